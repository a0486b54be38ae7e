// RFC 8620 §7.3: push over EventSource. A stream watches the accounts of its session: the
// store's folder-change notices (the ones IMAP IDLE hears, sent after every commit by SMTP
// delivery, IMAP and JMAP alike) make it compare each account's states with those it last sent
// and send a StateChange when one moved. Losing an account (R-AUTH-4) ends the stream: the
// client reconnects and reads the session resource again.

import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { EmailIndexes } from './email-index.ts';
import type { JmapSession } from './session.ts';

const TYPES = ['Mailbox', 'Email', 'Thread', 'EmailDelivery'] as const;
type PushType = (typeof TYPES)[number];

export interface PushOptions {
  types: string;
  closeafter: string;
  ping: string;
}

/** RFC 8620 §7.3 arguments of the eventSourceUrl; a string when they are wrong. */
export function readPushArguments(
  q: Partial<PushOptions>,
): { types: Set<PushType>; closeAfterState: boolean; pingSeconds: number } | string {
  const types = new Set<PushType>();
  const raw = q.types ?? '*';
  for (const t of raw === '*' ? TYPES : raw.split(',')) {
    if (!(TYPES as readonly string[]).includes(t)) return `unknown type ${t} in types`;
    types.add(t as PushType);
  }
  const closeafter = q.closeafter ?? 'no';
  if (closeafter !== 'state' && closeafter !== 'no') return 'closeafter must be "state" or "no"';
  const ping = Number(q.ping ?? '0');
  if (!Number.isInteger(ping) || ping < 0) return 'ping must be a non-negative integer of seconds';
  // §7.3: the server may raise a ping interval it finds too small.
  return { types, closeAfterState: closeafter === 'state', pingSeconds: ping === 0 ? 0 : Math.max(ping, 5) };
}

export function streamPush(
  res: ServerResponse,
  session: JmapSession,
  indexes: EmailIndexes,
  events: EventEmitter,
  args: { types: Set<PushType>; closeAfterState: boolean; pingSeconds: number },
): void {
  const sent = new Map<string, string>();
  let closed = false;
  let checking: Promise<void> = Promise.resolve();
  const write = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    events.off('folder-changed', onFolder);
    stopSession();
    if (pinger) clearInterval(pinger);
    res.end();
  };
  const check = async (first: boolean) => {
    const changed: Record<string, Record<string, string>> = {};
    for (const account of [...session.accounts.values()]) {
      const view = await indexes.view(account.scope);
      const states: Record<string, string> = {};
      if (args.types.has('Mailbox')) states.Mailbox = view.mailboxState;
      if (args.types.has('Email')) states.Email = view.emailState;
      if (args.types.has('Thread')) states.Thread = view.emailState;
      if (args.types.has('EmailDelivery')) states.EmailDelivery = view.emailState;
      const key = JSON.stringify(states);
      if (sent.get(account.id) === key) continue;
      const before = sent.get(account.id);
      sent.set(account.id, key);
      if (first) {
        changed[account.id] = states;
        continue;
      }
      const old = before ? (JSON.parse(before) as Record<string, string>) : {};
      changed[account.id] = Object.fromEntries(Object.entries(states).filter(([k, v]) => old[k] !== v));
    }
    // The first event gives where the client starts from; a long-polling client (closeafter=state) waits for a change.
    if (first ? !args.closeAfterState : Object.keys(changed).length > 0) {
      write('state', { '@type': 'StateChange', changed });
      if (!first && args.closeAfterState) close();
    }
  };
  const onFolder = () => {
    checking = checking.then(() => (closed ? undefined : check(false))).catch(() => close());
  };
  const stopSession = session.onEvent(() => close());
  res.on('close', close);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const pinger =
    args.pingSeconds > 0
      ? setInterval(() => write('ping', { '@type': 'Ping', interval: args.pingSeconds }), args.pingSeconds * 1000)
      : undefined;
  pinger?.unref();
  events.on('folder-changed', onFolder);
  // The current states at once, so that a client knows where it starts from.
  checking = check(true).catch(() => close());
}
