// The event bus of the workers of one SQLite file over the cluster's IPC (issue #17): a worker's
// publish goes to its primary, which passes it to every other worker. It replaces the store's
// polled table there, where each publish was a write transaction of its own, with its fsync on
// the event loop, competing with the deliveries for SQLite's one write lock. (PostgreSQL keeps
// LISTEN/NOTIFY: its nodes share no primary.)

import type { Worker } from 'node:cluster';
import type { BusTransport } from '@mss/store';

/** A bus message between a worker and its primary (either way). */
export interface IpcBusMessage {
  type: 'mss:bus';
  message: string;
}

function isBusMessage(m: unknown): m is IpcBusMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'mss:bus';
}

/** The primary's side: what one worker publishes, every other worker hears. */
export class IpcBusRelay {
  private readonly workers = new Set<Worker>();

  attach(worker: Worker): void {
    this.workers.add(worker);
    worker.on('message', (m: unknown) => {
      if (!isBusMessage(m)) return;
      for (const other of this.workers) if (other !== worker && other.isConnected()) other.send(m);
    });
    worker.once('exit', () => this.workers.delete(worker));
  }
}

/** A worker's side: the store's bus transport (`StoreOptions.busTransport`). */
export function workerBusTransport(channel: NodeJS.Process = process): BusTransport {
  let listener: ((m: unknown) => void) | undefined;
  return {
    kind: 'ipc',
    async start(onMessage) {
      listener = (m: unknown) => {
        if (isBusMessage(m)) onMessage(m.message);
      };
      channel.on('message', listener);
    },
    send(message) {
      if (channel.connected && channel.send) channel.send({ type: 'mss:bus', message } satisfies IpcBusMessage);
    },
    async close() {
      if (listener) channel.off('message', listener);
    },
  };
}
