import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory, removed when the test ends. */
export async function tempDir(t: { after(fn: () => Promise<void>): void }, label = 'trust-client'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `mss-${label}-`));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}
