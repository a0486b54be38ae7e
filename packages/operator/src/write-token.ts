// The write token of the workers of one SQLite file (issue #17): SQLite admits one writer per file,
// and a worker that meets the lock taken sleeps in SQLite's busy handler (1, 2, 5… up to 100 ms,
// on its event loop). Here the cluster primary hands one token out in the order it is asked for,
// over the cluster's IPC: a worker waits for it without blocking, gathering more work into its
// group commit meanwhile, and the lock passes on at once. A worker keeps the token between its
// transactions until another asks (then the primary recalls it), so a worker writing alone pays
// no round trip. A worker that dies holding it loses it ('exit'): SQLite drops its lock with the
// process, and the next in line gets the token.

import type { Worker } from 'node:cluster';
import type { WriteGate } from '@mss/store';

/** The token's messages between a worker and its primary. */
export type WriteTokenMessage =
  | { type: 'mss:write-token'; op: 'ask' | 'release' } // worker → primary
  | { type: 'mss:write-token'; op: 'grant' | 'recall' }; // primary → worker

function isTokenMessage(m: unknown): m is WriteTokenMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'mss:write-token';
}

/** The primary's side: who holds the token, who waits for it (first asked, first served). */
export class WriteTokenGranter {
  private holder: Worker | undefined;
  private recalled = false;
  private readonly waiting: Worker[] = [];
  /** Tokens granted (for tests and metrics). */
  granted = 0;

  /** Follows `worker`'s asks and releases until it exits; a token it held passes on at its exit. */
  attach(worker: Worker): void {
    worker.on('message', (m: unknown) => {
      if (!isTokenMessage(m)) return;
      if (m.op === 'ask') this.ask(worker);
      else if (m.op === 'release') this.release(worker);
    });
    worker.once('exit', () => this.gone(worker));
  }

  private ask(worker: Worker): void {
    if (this.holder === worker) return;
    if (!this.holder) return this.grant(worker);
    if (!this.waiting.includes(worker)) this.waiting.push(worker);
    this.recall();
  }

  private release(worker: Worker): void {
    if (this.holder !== worker) return;
    this.holder = undefined;
    this.next();
  }

  private gone(worker: Worker): void {
    const i = this.waiting.indexOf(worker);
    if (i >= 0) this.waiting.splice(i, 1);
    this.release(worker);
  }

  private next(): void {
    for (let w = this.waiting.shift(); w; w = this.waiting.shift()) {
      if (w.isConnected()) return this.grant(w);
    }
  }

  private grant(worker: Worker): void {
    this.holder = worker;
    this.recalled = false;
    this.granted++;
    if (!send(worker, 'grant')) {
      // Its channel is gone: it will never release; it exits soon, but the others need not wait for that.
      this.holder = undefined;
      return this.next();
    }
    if (this.waiting.length > 0) this.recall();
  }

  /** Asks the holder to give the token back once its transaction under way (if any) ends. */
  private recall(): void {
    if (!this.holder || this.recalled) return;
    this.recalled = true;
    send(this.holder, 'recall');
  }
}

function send(worker: Worker, op: 'grant' | 'recall'): boolean {
  if (!worker.isConnected()) return false;
  worker.send({ type: 'mss:write-token', op } satisfies WriteTokenMessage);
  return true;
}

/**
 * A worker's side: the store's write gate (`StoreOptions.writeGate`). Transactions of this process
 * take the token in turn; without a channel to a primary (it is gone) the gate opens, and SQLite's
 * own busy wait is what is left.
 */
export function workerWriteGate(channel: NodeJS.Process = process): WriteGate {
  let held = false;
  let inUse = false;
  let asked = false;
  let recalled = false;
  const waiters: (() => void)[] = [];
  const connected = (): boolean => channel.connected === true && typeof channel.send === 'function';
  const tell = (op: 'ask' | 'release'): void => {
    if (connected()) channel.send!({ type: 'mss:write-token', op } satisfies WriteTokenMessage);
  };
  const pump = (): void => {
    if (inUse) return;
    if (!connected()) {
      // No primary to ask: let every waiter through (SQLite's busy timeout still guards the file).
      held = false;
      for (let w = waiters.shift(); w; w = waiters.shift()) w();
      return;
    }
    if (held && recalled) {
      held = false;
      recalled = false;
      tell('release');
    }
    if (waiters.length === 0) return;
    if (held) {
      inUse = true;
      waiters.shift()!();
    } else if (!asked) {
      asked = true;
      tell('ask');
    }
  };
  channel.on('message', (m: unknown) => {
    if (!isTokenMessage(m)) return;
    if (m.op === 'grant') {
      held = true;
      asked = false;
      recalled = false;
    } else if (m.op === 'recall') {
      // A recall sent before our release reached the primary finds us without the token.
      if (!held) return;
      recalled = true;
    }
    pump();
  });
  channel.once('disconnect', () => {
    asked = false;
    pump();
  });
  return {
    acquire() {
      return new Promise<() => void>((resolve) => {
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          inUse = false;
          pump();
        };
        waiters.push(() => resolve(release));
        pump();
      });
    },
  };
}
