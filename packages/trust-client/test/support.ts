import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

type T = { after(fn: () => Promise<void> | void): void };
const stacks = new WeakMap<T, (() => Promise<void> | void)[]>();

/**
 * Registers a clean-up that runs in the reverse order of registration, unlike `t.after` hooks
 * (which run first registered, first run): a cache started in a directory must stop writing its
 * disk copy before that directory is removed.
 */
export function onCleanup(t: T, fn: () => Promise<void> | void): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: (() => Promise<void> | void)[] = [];
    stacks.set(t, fresh);
    t.after(async () => {
      for (const step of fresh.reverse()) await step();
    });
    stack = fresh;
  }
  stack.push(fn);
}

/** A fresh directory, removed when the test ends, after what was started in it has stopped. */
export async function tempDir(t: T, label = 'trust-client'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `mss-${label}-`));
  onCleanup(t, () => fs.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  return dir;
}
