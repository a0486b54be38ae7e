/**
 * `BENCH=jmap`: what a webmail's message list costs over JMAP against IMAP in the same run, on
 * one mailbox of BENCH_JMAP_MESSAGES (default 10,000) messages. Three rows, each JMAP against
 * IMAP on the same 50 newest messages: `list50` = one request with Email/query (INBOX, newest
 * first, 50) and Email/get of those 50 by result reference (from, to, subject, sentAt, size,
 * keywords…) against `UID FETCH` with ENVELOPE, FLAGS and RFC822.SIZE ("fetchenv") in a session
 * that has INBOX selected; `webmail-list50` = the webmail's own list request (collapseThreads,
 * calculateTotal, preview, hasAttachment, Thread/get) against fetchenv; `flag+list50` = Email/set
 * of `$seen` on one of them then list50, in one request, against UID STORE then fetchenv.
 * Both authenticate with a real PSC token (XOAUTH2 / Bearer), both servers in this process, one
 * client at a time, BENCH_JMAP_SECONDS (default 5) per side and row.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { FolderHandle, NewMessage, Store } from '@mss/store';
import { GP, PER as USER, startJmapWorld } from '../packages/jmap/test/support/world.ts';

const MESSAGES = Number(process.env.BENCH_JMAP_MESSAGES ?? 10_000);
const SECONDS = Number(process.env.BENCH_JMAP_SECONDS ?? 5);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function message(i: number): Buffer {
  const day = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    `From: "Dr Expéditeur ${i % 97}" <confrere${i % 97}@operateur-b.mssante.fr>\r\nTo: ${USER}\r\n` +
      `Subject: Compte-rendu ${i}\r\nDate: ${day}\r\nMessage-ID: <bench-${i}@operateur-b.mssante.fr>\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voici le compte-rendu ${i}.\r\n${'Ligne de texte.\r\n'.repeat(20)}`,
  );
}

/** A line-reading IMAP client on one TLS socket: enough for one tagged command at a time. */
async function imapSession(port: number, token: string): Promise<(command: string) => Promise<string>> {
  const plain = net.connect(port, '127.0.0.1');
  let buffer = '';
  let wake: (() => void) | undefined;
  const onData = (d: Buffer) => {
    buffer += d.toString('latin1');
    wake?.();
  };
  plain.on('data', onData);
  const until = async (re: RegExp): Promise<string> => {
    for (;;) {
      const m = re.exec(buffer);
      if (m) {
        const out = buffer.slice(0, m.index + m[0].length);
        buffer = buffer.slice(m.index + m[0].length);
        return out;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  };
  await until(/\* OK [^\r]*\r\n/);
  plain.write('s STARTTLS\r\n');
  await until(/s OK [^\r]*\r\n/);
  plain.off('data', onData);
  const socket = tls.connect({ socket: plain, rejectUnauthorized: false });
  await new Promise<void>((r) => socket.once('secureConnect', () => r()));
  socket.on('data', onData);
  let n = 0;
  const command = async (text: string): Promise<string> => {
    const tag = `b${++n}`;
    socket.write(`${tag} ${text}\r\n`);
    const out = await until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
    if (!new RegExp(`${tag} OK`).test(out)) throw new Error(`IMAP ${text.split(' ')[0]} failed: ${out.slice(-200)}`);
    return out;
  };
  await command(`AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${USER}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}`);
  return command;
}

async function rate(seconds: number, op: () => Promise<void>): Promise<number> {
  await op(); // warm: indexes loaded, statements prepared
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const start = process.hrtime.bigint();
  while (Date.now() < end) {
    await op();
    n++;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Blob writes in flight while seeding: their fsyncs overlap on the thread pool. */
const SEED_PARALLEL = 32;
/** Messages per transaction: one UID range, rows inserted by the thousand (`FolderHandle.appendMessages`). */
const SEED_BATCH = 1000;

/** Fills INBOX with MESSAGES messages through the store's bulk append, with a progress line per batch. */
async function seedInbox(store: Store, inbox: FolderHandle): Promise<void> {
  const started = Date.now();
  log(`jmap bench: seeding ${MESSAGES} messages into ${USER}'s INBOX`);
  for (let i = 0; i < MESSAGES; i += SEED_BATCH) {
    const end = Math.min(MESSAGES, i + SEED_BATCH);
    const batch: NewMessage[] = [];
    for (let j = i; j < end; j += SEED_PARALLEL) {
      const ids = Array.from({ length: Math.min(SEED_PARALLEL, end - j) }, (_, k) => j + k);
      batch.push(...(await Promise.all(ids.map((n) => store.ingest(message(n))))));
    }
    await inbox.transaction((f) => f.appendMessages(batch));
    log(`jmap bench: ${end}/${MESSAGES} messages (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

export async function runJmapBench(): Promise<string[]> {
  // The JMAP tests' world: the store (SQLite, or PostgreSQL with MSS_DATABASE_URL), the PSC stand-in, JMAP and IMAP.
  const world = await startJmapWorld();
  try {
    const d = await world.access.decide({ principal: { kind: 'person', idnat: GP }, mailbox: USER, action: 'read', channel: 'system' });
    if (!d.allowed) throw new Error('the GP cannot open his mailbox');
    await d.scope.ensureFolder('INBOX');
    const inbox = (await d.scope.openFolder('INBOX'))!;
    await seedInbox(world.store, inbox);
    const base = world.base;
    const token = await world.token(GP);

    // JMAP: the session's account and INBOX, then the list request.
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const session = (await (await fetch(`${base}/.well-known/jmap`, { headers: auth })).json()) as {
      primaryAccounts: Record<string, string>;
    };
    const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail']!;
    const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'];
    const post = async (methodCalls: unknown[]) => {
      const res = await fetch(`${base}/jmap/api`, { method: 'POST', headers: auth, body: JSON.stringify({ using, methodCalls }) });
      return (await res.json()) as { methodResponses: [string, Record<string, unknown>, string][] };
    };
    const boxes = (await post([['Mailbox/query', { accountId, filter: { role: 'inbox' } }, 'm']])).methodResponses[0]![1].ids as string[];
    const list = [
      [
        'Email/query',
        { accountId, filter: { inMailbox: boxes[0] }, sort: [{ property: 'receivedAt', isAscending: false }], limit: 50 },
        'q',
      ],
      [
        'Email/get',
        {
          accountId,
          '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
          properties: ['id', 'threadId', 'mailboxIds', 'keywords', 'size', 'receivedAt', 'from', 'to', 'subject', 'sentAt', 'messageId'],
        },
        'g',
      ],
    ];
    const check = (await post(list)).methodResponses[1]![1].list as unknown[];
    if (check.length !== Math.min(50, MESSAGES)) throw new Error(`Email/get returned ${check.length} Emails`);
    // The webmail's own folder list (apps/webmail/src/mail.ts `threads`): one line per thread, the total, previews.
    const webmailList = [
      [
        'Email/query',
        {
          accountId,
          filter: { inMailbox: boxes[0] },
          sort: [{ property: 'receivedAt', isAscending: false }],
          collapseThreads: true,
          calculateTotal: true,
          limit: 50,
        },
        'q',
      ],
      [
        'Email/get',
        {
          accountId,
          '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
          properties: ['threadId', 'from', 'to', 'subject', 'receivedAt', 'preview', 'keywords', 'hasAttachment'],
        },
        'g',
      ],
      ['Thread/get', { accountId, '#ids': { resultOf: 'g', name: 'Email/get', path: '/list/*/threadId' } }, 't'],
    ];
    const newest = (await post(list)).methodResponses[0]![1].ids as string[];
    let seen = false;

    // IMAP: the same 50 newest, in a session with INBOX selected.
    const imapCommand = await imapSession(world.imap.port, token);
    await imapCommand('SELECT INBOX');
    const last = MESSAGES;
    const fetchenv = `UID FETCH ${Math.max(1, last - 49)}:${last} (UID FLAGS RFC822.SIZE ENVELOPE)`;
    let imapSeen = false;
    const rows: { kind: string; jmap: () => Promise<unknown>; imap: () => Promise<unknown> }[] = [
      { kind: 'list50(query+get vs fetchenv)', jmap: () => post(list), imap: () => imapCommand(fetchenv) },
      {
        kind: 'webmail-list50(collapse+total+preview+threads vs fetchenv)',
        jmap: () => post(webmailList),
        imap: () => imapCommand(fetchenv),
      },
      {
        // A keyword change, then the list: every request starts on a new state (nothing kept of the last one's view).
        kind: 'flag+list50(set $seen+query+get vs store+fetchenv)',
        jmap: () => {
          seen = !seen;
          return post([['Email/set', { accountId, update: { [newest[10]!]: { 'keywords/$seen': seen || null } } }, 's'], ...list]);
        },
        imap: async () => {
          imapSeen = !imapSeen;
          await imapCommand(`UID STORE ${last - 10} ${imapSeen ? '+' : '-'}FLAGS.SILENT (\\Seen)`);
          await imapCommand(fetchenv);
        },
      },
    ];
    const flagged = (await post([['Email/set', { accountId, update: { [newest[10]!]: { 'keywords/$seen': true } } }, 's']]))
      .methodResponses[0]!;
    if (flagged[0] !== 'Email/set' || !Object.hasOwn(flagged[1].updated as object, newest[10]!)) {
      throw new Error(`Email/set failed: ${JSON.stringify(flagged)}`);
    }
    seen = true;
    const out = [['jmap', 'kind', 'messages', 'seconds', 'jmap_ops_per_s', 'imap_ops_per_s', 'ratio_jmap_vs_imap'].join('\t')];
    for (const row of rows) {
      const jmapRate = await rate(SECONDS, async () => {
        await row.jmap();
      });
      const imapRate = await rate(SECONDS, async () => {
        await row.imap();
      });
      out.push(
        ['jmap', row.kind, MESSAGES, SECONDS, jmapRate.toFixed(1), imapRate.toFixed(1), (jmapRate / imapRate).toFixed(2)].join('\t'),
      );
      log(out[out.length - 1]!);
    }
    await imapCommand('LOGOUT').catch(() => {});
    return out;
  } finally {
    await world.close();
  }
}
