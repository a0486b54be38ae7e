import { loadConfig, MssError } from '@mss/runtime';
import type { QueueRow, QueueStatus, Store } from '@mss/store';
import { STORE_OPTIONS, requireString, type Command, type CommandContext } from '../cli.ts';
import { operatorStore } from '../sandbox/store-location.ts';
import { secondOperatorStore } from '../sandbox/second-operator.ts';
import { openExistingStore } from '../existing-store.ts';
import { mesStore } from '../sandbox/mes-service.ts';

const STATUSES: readonly QueueStatus[] = ['queued', 'delivered', 'failed', 'removed'];

const QUEUE_OPTIONS = {
  ...STORE_OPTIONS,
  operator: {
    type: 'string' as const,
    description:
      'Which operator of the sandbox: a (the first), b (the second, in <data-dir>/operateur-b) or mes (Mon Espace Santé, in <data-dir>/mes)',
    default: 'a',
    valueName: 'a|b|mes',
  },
};

/** Runs `fn` on the queue of the operator asked for (the sandbox's first or second), then closes it. */
async function withQueueStore<T>(ctx: CommandContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig({ dataDir: requireString(ctx, 'data-dir'), databaseUrl: requireString(ctx, 'database-url') });
  const which = (requireString(ctx, 'operator') ?? 'a').toLowerCase();
  if (which !== 'a' && which !== 'b' && which !== 'mes')
    throw new MssError('USAGE', `--operator: "${which}" is not a, b or mes`, { exitCode: 2 });
  const where = which === 'a' ? operatorStore(config) : which === 'b' ? secondOperatorStore(config) : mesStore(config);
  const store = await openExistingStore(where);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A queue row id (digits) or a message id (16 hex digits, as in the 250 reply). */
function target(ctx: CommandContext, verb: string): { id: number } | { messageRef: string } {
  const arg = ctx.positionals[0];
  if (arg === undefined || ctx.positionals.length > 1)
    throw new MssError('USAGE', `mss queue ${verb} takes one queue entry id or message id (mss queue list shows them)`, { exitCode: 2 });
  if (/^\d{1,15}$/.test(arg)) return { id: Number(arg) };
  if (/^[0-9a-f]{16}$/i.test(arg)) return { messageRef: arg.toLowerCase() };
  throw new MssError('USAGE', `"${arg}" is neither a queue entry id (digits) nor a message id (16 hex digits)`, { exitCode: 2 });
}

function line(r: QueueRow): string {
  const when = r.status === 'queued' ? `next ${r.next_attempt_at}` : `done ${r.done_at ?? '?'}`;
  return [
    String(r.id).padStart(6),
    r.message_ref,
    r.status.padEnd(9),
    `attempts=${r.attempts}`,
    `${r.sender_address} -> ${r.recipient}`,
    when,
    r.last_error ? `(${r.last_error})` : '',
  ]
    .join('  ')
    .trimEnd();
}

const list: Command = {
  name: 'list',
  summary: 'Show the outbound queue (recipients at other operators)',
  description: 'One line per recipient: id, message id, status, attempts, sender -> recipient, next attempt or end, last reply or error.',
  options: {
    ...QUEUE_OPTIONS,
    status: { type: 'string', description: `Only this status: ${STATUSES.join(', ')}`, default: 'queued', valueName: 'status' },
    all: { type: 'boolean', description: 'Every status' },
    json: { type: 'boolean', description: 'One JSON object per line' },
  },
  async run(ctx) {
    const status = requireString(ctx, 'status') ?? 'queued';
    if (!ctx.values.all && !STATUSES.includes(status as QueueStatus))
      throw new MssError('USAGE', `--status: "${status}" is not one of ${STATUSES.join(', ')}`, { exitCode: 2 });
    await withQueueStore(ctx, async (store) => {
      const rows = await store.queue.list(ctx.values.all ? {} : { status: status as QueueStatus });
      for (const r of rows) ctx.stdout.write(`${ctx.values.json ? JSON.stringify(r) : line(r)}\n`);
      if (!ctx.values.json) {
        const c = await store.queue.counts();
        ctx.stderr.write(`${rows.length} shown; queued ${c.queued}, delivered ${c.delivered}, failed ${c.failed}, removed ${c.removed}\n`);
      }
    });
    return 0;
  },
};

const retry: Command = {
  name: 'retry',
  summary: 'Make queued entries due now (the running operator sends them within seconds)',
  args: '<id|message-id>',
  options: { ...QUEUE_OPTIONS, all: { type: 'boolean', description: 'Every queued entry' } },
  async run(ctx) {
    const t = ctx.values.all && ctx.positionals.length === 0 ? { all: true } : target(ctx, 'retry');
    await withQueueStore(ctx, async (store) => {
      const n = await store.queue.retryNow(t);
      // The running operator's senders look now rather than at their next poll (PostgreSQL: NOTIFY).
      if (n > 0) store.bus.publish('queue', null);
      if (n === 0)
        throw new MssError('NOT_FOUND', 'nothing queued matches: delivered, failed and removed entries cannot be retried', { exitCode: 1 });
      ctx.stdout.write(`${n} entr${n === 1 ? 'y' : 'ies'} due now\n`);
    });
    return 0;
  },
};

const remove: Command = {
  name: 'remove',
  summary: 'Take queued entries out without sending them and without a DSN',
  args: '<id|message-id>',
  options: { ...QUEUE_OPTIONS },
  async run(ctx) {
    const t = target(ctx, 'remove');
    await withQueueStore(ctx, async (store) => {
      const rows = await store.queue.remove(t);
      if (rows.length === 0)
        throw new MssError('NOT_FOUND', 'nothing queued matches: delivered, failed and removed entries stay as they are', { exitCode: 1 });
      for (const r of rows) ctx.stdout.write(`removed ${r.id} ${r.message_ref} ${r.recipient}\n`);
    });
    return 0;
  },
};

export const queueCommand: Command = {
  name: 'queue',
  summary: 'The outbound mail queue: list, retry, remove',
  subcommands: [list, retry, remove],
};
