// What a delivery costs the database, counted: every statement the store sends to its engine
// (each one a round trip to PostgreSQL over the network, a call within the process on SQLite)
// while the relay takes a message for a local mailbox — the path of inbound mail from other
// operators, the benchmark's `smtp-source` case (bench/README.md) — and submission's. Counts:
//  - one message alone, over a real socket to the relay's SMTP server: RCPT's lookups, the
//    delivery transaction, and the folder-change notice after the 250;
//  - eight messages that arrive together and share one group commit (`Store.groupTransaction`),
//    delivered by `deliverLocally` as the relay's DATA handler calls it;
//  - one message submitted (STARTTLS, XOAUTH2) to a local mailbox, from DATA's end to the notice:
//    the delivery transaction, with the sender's audit row (R-CAB-9) and the message sent counted
//    (R-IND-1).
// The bounds below are what the store does today; a change that adds a statement to every
// delivery fails here and must say why. Durability (no 250 before the commit) and the group
// commit's isolation are tested elsewhere (group-commit.test.ts, durability.test.ts, crash.test.ts).
//
// Before this count existed (bench/README.md, 2026-12-06), PostgreSQL took 15 statements for a
// message alone and 10.25 per message in a group commit of eight (82, plus RCPT's two and a
// pg_notify each outside it); now 6 alone (RCPT's lookup, begin, the recipients' checks, the
// write, commit, the notice) and 26 for eight (a savepoint step, the checks and the write each,
// the transaction's control folded into the savepoint steps, one notice for all). Submission,
// from DATA's end: 5 (begin, the checks, the write with the audit row, commit, the notice).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@mss/runtime';
import { ingestMessage, type Store } from '@mss/store';
import { TEST_ENGINE } from '@mss/store/testing';
import { createRelaySmtpServer, listenSmtp, type RelayTransport, type RunningSmtpListener } from '../src/index.ts';
import { deliverLocally } from '../src/delivery.ts';
import { documentFacts } from '../src/indicators.ts';
import { readHeaders } from '../src/message.ts';
import { Conversation, message } from './support/conversation.ts';
import { CAB, GP, PER, D, eventually, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';

const BUDGET = {
  postgres: { alone: 6, eight: 26, submitted: 5 },
  // Statements are calls within the process: the repositories' usual methods, savepoints apart.
  sqlite: { alone: 11, eight: 66, submitted: 9 },
}[TEST_ENGINE];

let w: SmtpWorld;
let store: Store;
let relay: RunningSmtpListener;
const statements: string[] = [];
let counting = false;

before(async () => {
  // The submission listener and its store (demo mailboxes, the PSC stand-in for tokens).
  w = await startSmtpWorld({}, { onStatement: (sql) => counting && statements.push(sql) });
  store = w.store;
  // The benchmark's relay listener (bench/smtp-server.ts): plaintext taken as TLS terminated in
  // front, every peer one operator. The delivery path behind it is the shipped relay's.
  const transport: RelayTransport = {
    smtpOptions: { secure: true, secured: true },
    judgePeer: () => ({ ok: true, operatorDomain: 'peer.invalid', operator: 'peer' }),
  };
  const trustSpace = { isWhitelisted: () => true, operatorFor: () => 'peer' };
  relay = await listenSmtp(
    createRelaySmtpServer({ store, logger: silentLogger(), operatorDomains: [D], trustSpace }, transport),
    'smtpRelay',
    '127.0.0.1',
    0,
  );
});
after(async () => {
  await relay?.stop();
  await w?.close();
});

let serial = 0;
/** A message as another operator sends it: with a Message-ID (so the thread step has work to do). */
function inbound(): string {
  serial++;
  return (
    `From: <expediteur@peer.invalid>\r\nTo: <${PER}>\r\nSubject: Compte rendu ${serial}\r\n` +
    `Message-ID: <cr-${serial}-${Date.now()}@peer.invalid>\r\nDate: Sun, 6 Dec 2026 21:00:00 +0000\r\n\r\nBonjour.\r\n`
  );
}

async function counted<T>(work: () => Promise<T>): Promise<{ value: T; sql: string[] }> {
  statements.length = 0;
  counting = true;
  try {
    const value = await work();
    return { value, sql: [...statements] };
  } finally {
    counting = false;
  }
}

/** The figure, in the test's output (the statements themselves are in the message of a failed bound). */
function report(label: string, sql: readonly string[], deliveries: number): void {
  console.log(`# ${TEST_ENGINE}: ${label}: ${sql.length} statements for ${deliveries} (${(sql.length / deliveries).toFixed(2)} each)`);
}

/** One message over the relay's SMTP session: MAIL, RCPT, DATA, 250. */
async function relayOne(c: Conversation): Promise<void> {
  assert.match(await c.command('MAIL FROM:<expediteur@peer.invalid>'), /^250 /);
  assert.match(await c.command(`RCPT TO:<${PER}>`), /^250 /);
  assert.match(await c.command('DATA'), /^354 /);
  c.send(`${inbound()}.\r\n`);
  assert.match(await c.reply(30_000), /^250 /);
}

test('one message through the relay: RCPT lookups, one delivery transaction, one notice', { timeout: 60_000 }, async () => {
  const c = await Conversation.open(relay.port);
  try {
    assert.match(await c.command('EHLO peer.invalid'), /^250/);
    // The first delivery makes the INBOX; the count is that of the next, the usual case.
    const oneDelivery = async (): Promise<void> => {
      await relayOne(c);
      // After the 250, the other processes are told of the folder's change (pg_notify on PostgreSQL).
      if (store.bus.kind === 'postgres') await eventually(() => statements.some((s) => /pg_notify/.test(s)), 30_000);
    };
    await counted(oneDelivery);
    const { sql } = await counted(oneDelivery);
    report('one delivery through the relay', sql, 1);
    assert.ok(sql.length <= BUDGET.alone, `${sql.length} statements for one delivery, at most ${BUDGET.alone}:\n${sql.join('\n')}`);
  } finally {
    await c.close();
  }
});

test('eight messages in one group commit', { timeout: 60_000 }, async () => {
  const box = (await store.mailboxes.byAddress(PER))!;
  const messages = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const raw = Buffer.from(inbound());
      const blob = await store.blobs.put(raw);
      return { blob, data: ingestMessage(raw), mss: readHeaders(raw).mss };
    }),
  );
  const commitsBefore = store.groupStats.commits;
  const { value, sql } = await counted(async () => {
    // All eight join the group in the same turn of the event loop, so they share one commit.
    const outcomes = await Promise.all(
      messages.map((m, i) =>
        deliverLocally(store, {
          message: { blob: m.blob, data: m.data, receivedAt: new Date(), authorIdnat: null },
          recipients: [{ mailboxId: box.id, address: box.address }],
          counted: { ref: `batch-${i}`, receivedAt: new Date(), documents: documentFacts(m.mss), fromMes: false },
        }),
      ),
    );
    // Each is answered, then tells of its folder's change, as the relay does after its 250.
    for (const o of outcomes) for (const f of o.folderIds) store.notifyFolderChanged(f);
    if (store.bus.kind === 'postgres') await eventually(() => statements.some((s) => /pg_notify/.test(s)), 30_000);
    return outcomes;
  });
  assert.equal(store.groupStats.commits, commitsBefore + 1, 'one group commit');
  assert.deepEqual(
    value.map((o) => o.delivered),
    Array(8).fill(1),
  );
  report('eight deliveries in one group commit', sql, 8);
  assert.ok(sql.length <= BUDGET.eight, `${sql.length} statements for eight deliveries, at most ${BUDGET.eight}:\n${sql.join('\n')}`);
});

test('one message submitted to a local mailbox: the delivery transaction with its audit row, one notice', { timeout: 60_000 }, async () => {
  const c = await Conversation.authenticated(w.smtp.port, PER, await w.token(GP));
  try {
    const oneSubmission = async (): Promise<string[]> => {
      assert.match(await c.command(`MAIL FROM:<${PER}>`), /^250 /);
      assert.match(await c.command(`RCPT TO:<${CAB}>`), /^250 /);
      assert.match(await c.command('DATA'), /^354 /);
      // Counted from the end of the message: what MAIL and RCPT cost depends on the access
      // decisions' caches, not on the delivery.
      const { sql } = await counted(async () => {
        c.send(`${message(PER, CAB, `Courrier ${++serial}`)}.\r\n`);
        assert.match(await c.reply(30_000), /^250 /);
        if (store.bus.kind === 'postgres') await eventually(() => statements.some((s) => /pg_notify/.test(s)), 30_000);
      });
      return sql;
    };
    await oneSubmission();
    const sql = await oneSubmission();
    report('one submission, from the end of DATA', sql, 1);
    assert.ok(
      sql.length <= BUDGET.submitted,
      `${sql.length} statements for one submission, at most ${BUDGET.submitted}:\n${sql.join('\n')}`,
    );
    const audit = await store.audit.list({ mailbox: PER, afterId: 0, limit: 1000 });
    assert.ok(
      audit.some((r) => r.action === 'smtp-send' && r.reason.includes('recipients=1')),
      'the audit row is written',
    );
  } finally {
    await c.close();
  }
});
