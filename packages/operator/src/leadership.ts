// Which process of an operator runs the jobs that must run once per operator, not once per
// process (issue #17): the directory feed's drain and full declarations (R-ANN-1), the following
// of the Annuaire's change feed, the R-DEL-5 clock. Several workers of one machine, or several
// nodes on one PostgreSQL, would otherwise each send the same outbox rows and poll the same feed.
// The queue runner is not one of them: its claims are safe from any number of senders.

import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';

export interface Leadership {
  /** `always` (one process), `advisory` (PostgreSQL advisory lock), `primary` (chosen by the cluster primary). */
  readonly kind: 'always' | 'advisory' | 'primary';
  /** Starts following; `onChange(true)` when this process becomes the leader, `onChange(false)` when it stops being it. */
  start(onChange: (leader: boolean) => void): Promise<void>;
  stop(): Promise<void>;
}

/** One process, the only one: always the leader (the sandbox, `mss serve` on SQLite with one worker). */
export function alwaysLeader(): Leadership {
  return {
    kind: 'always',
    async start(onChange) {
      onChange(true);
    },
    async stop() {},
  };
}

/**
 * PostgreSQL: whoever holds the store's advisory lock (`store.leaderLock`), tried at start and
 * then every `retryMs` by the others; a leader whose connection ends (killed, cut off) loses it,
 * and another takes it at its next try.
 */
export function advisoryLeadership(store: Store, options: { logger: Logger; retryMs?: number | undefined }): Leadership {
  const retryMs = options.retryMs ?? 5000;
  const log = options.logger;
  const lock = store.leaderLock('operator-jobs', (err) => log.warn({ err }, 'leadership: lock connection failed'));
  if (!lock) throw new Error('advisoryLeadership: the store is not on PostgreSQL');
  let timer: NodeJS.Timeout | undefined;
  let trying: Promise<void> | undefined;
  let stopped = false;
  return {
    kind: 'advisory',
    async start(onChange) {
      lock.onLost(() => {
        log.warn('leadership lost (lock connection ended): once-per-operator jobs stopped here');
        onChange(false);
      });
      const attempt = async (): Promise<void> => {
        if (stopped || lock.isHeld) return;
        if (await lock.tryAcquire()) {
          if (stopped) return;
          log.info({ leadership: 'advisory' }, 'leader: this process runs the once-per-operator jobs');
          onChange(true);
        }
      };
      await attempt();
      timer = setInterval(() => {
        trying ??= attempt().finally(() => {
          trying = undefined;
        });
      }, retryMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await trying;
      await lock.close();
    },
  };
}

/** The message a cluster primary sends a worker to make it the leader or not (SQLite: the workers of one machine). */
export interface LeaderMessage {
  type: 'mss:leader';
  leader: boolean;
}

export function isLeaderMessage(m: unknown): m is LeaderMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'mss:leader';
}

/** A cluster worker on SQLite: the leader is whichever worker its primary names (`LeaderMessage` over the cluster's IPC). */
export function primaryChosenLeadership(options: { logger: Logger }): Leadership {
  let listener: ((m: unknown) => void) | undefined;
  return {
    kind: 'primary',
    async start(onChange) {
      let leader = false;
      listener = (m) => {
        if (!isLeaderMessage(m) || m.leader === leader) return;
        leader = m.leader;
        options.logger.info({ leadership: 'primary', leader }, leader ? 'leader: chosen by the primary' : 'no longer the leader');
        onChange(leader);
      };
      process.on('message', listener);
    },
    async stop() {
      if (listener) process.off('message', listener);
    },
  };
}
