// Delay warnings (RFC 3464 Action: delayed): a recipient still queued past `delayWarningMs` gets
// its sender warned once, with the header section only and when the queue gives up; NOTIFY
// without DELAY asks for none. Then the message is delivered as usual, with no failure DSN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type nodemailer from 'nodemailer';
import { acceptedRef, sendAsGp, ANNE, PER, startTwoOperators, type TwoOperators } from './support/two-operators.ts';
import { eventually } from './support/smtp-world.ts';

let w: TwoOperators;
before(async () => {
  w = await startTwoOperators({ retry: { firstDelayMs: 100, maxDelayMs: 200, maxAgeMs: 60_000, delayWarningMs: 600 } });
});
after(async () => w.close());

const send = async (mail: nodemailer.SendMailOptions & { dsn?: unknown }): Promise<string> => acceptedRef(await sendAsGp(w, mail));

async function dsns(subject: RegExp): Promise<string[]> {
  const out: string[] = [];
  for (const m of await w.a.inbox(PER)) {
    const text = await w.a.blob(m.blob_hash);
    if (subject.test(text)) out.push(text);
  }
  return out;
}
const DELAYED = /^Subject: Delayed Mail \(still being retried\)/m;
const FAILED = /^Subject: Undelivered Mail Returned to Sender/m;

async function attempts(ref: string): Promise<number> {
  return (await w.a.store.queue.list({ messageRef: ref }))[0]?.attempts ?? 0;
}

test('B down past the warning time: the GP is warned once, then the message is delivered when B is back', async () => {
  await w.stopB();
  const failedBefore = (await dsns(FAILED)).length;
  const ref = await send({ to: ANNE, subject: 'Retard', text: 'corps confidentiel\n' });
  await eventually(async () => (await dsns(DELAYED)).length === 1, 10_000);
  const first = await attempts(ref);
  // Several more deferrals past the threshold: still one warning.
  await eventually(async () => (await attempts(ref)) >= first + 3, 10_000);
  const warnings = await dsns(DELAYED);
  assert.equal(warnings.length, 1);
  const dsn = warnings[0]!;
  assert.match(dsn, new RegExp(`Your message ${ref} `));
  assert.match(dsn, /^Action: delayed$/m);
  assert.match(dsn, /^Status: 4\.\d+\.\d+$/m);
  assert.match(dsn, /^Will-Retry-Until: /m);
  assert.match(dsn, new RegExp(`^Final-Recipient: rfc822; ${ANNE.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(dsn, /Content-Type: text\/rfc822-headers/);
  assert.doesNotMatch(dsn, /corps confidentiel/, 'never the body');

  await w.restartB();
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered', 10_000);
  assert.equal((await dsns(FAILED)).length, failedBefore, 'no failure DSN');
  assert.ok((await w.b.inbox(ANNE)).length > 0);
});

test('NOTIFY=FAILURE (without DELAY): no warning, however long it waits', async () => {
  await w.stopB();
  const warningsBefore = (await dsns(DELAYED)).length;
  const ref = await send({ to: ANNE, subject: 'Sans avertissement', text: 'x\n', dsn: { notify: ['failure'] } });
  await eventually(async () => {
    const row = (await w.a.store.queue.list({ messageRef: ref }))[0];
    return !!row?.last_attempt_at && Date.parse(row.last_attempt_at) - Date.parse(row.created_at) > 1200;
  }, 10_000);
  assert.equal((await dsns(DELAYED)).length, warningsBefore);
  await w.restartB();
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered', 10_000);
});
