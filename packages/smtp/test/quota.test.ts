// A mailbox over its quota (configuration, the one IMAP's QUOTA reports): refused at RCPT with
// 452 4.2.2 once full (RFC 3463 X.2.2 "mailbox full"; other recipients still get the message),
// at DATA with 552 5.2.2 when this message would take it over (RFC 5321 §4.2.2 / §4.5.3.1.10);
// nothing is delivered to anyone then (one transaction).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAILBOX_QUOTAS } from '@mss/domain';
import { GP, ORG, PER, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import { Conversation, message } from './support/conversation.ts';

let w: SmtpWorld;
before(async () => {
  // The hospital's ORG mailbox: 3,000 octets and 2 messages.
  w = await startSmtpWorld({ quotas: { ...DEFAULT_MAILBOX_QUOTAS, ORG: { storage: 3000, messages: 2 } } });
});
after(async () => w.close());

async function send(c: Conversation, rcpts: string[], subject: string, body: string): Promise<{ rcpt: string[]; data: string }> {
  assert.equal(await c.command(`MAIL FROM:<${PER}>`), '250 2.1.0 Accepted');
  const rcpt: string[] = [];
  for (const r of rcpts) rcpt.push(await c.command(`RCPT TO:<${r}>`));
  if (!rcpt.some((r) => r.startsWith('250'))) {
    await c.command('RSET');
    return { rcpt, data: '' };
  }
  assert.match(await c.command('DATA'), /^354 /);
  c.send(`${message(PER, rcpts.join(', '), subject, body)}.\r\n`);
  return { rcpt, data: await c.reply() };
}

test('quota: DATA that would take the mailbox over is 552 5.2.2 and delivers nothing; a full mailbox is 452 4.2.2 at RCPT', async () => {
  const c = await Conversation.authenticated(w.smtp.port, PER, await w.token(GP));
  const box = (await w.store.mailboxes.byAddress(ORG))!;
  const first = await send(c, [ORG], 'premier', `${'a'.repeat(76)}\r\n`.repeat(20));
  assert.match(first.data, /^250 2\.0\.0 /);
  const used = await w.store.mail.usage(box.id);
  assert.equal(used.messages, 1);
  assert.ok(used.storage > 1500 && used.storage < 3000, String(used.storage));

  // Fits at RCPT (not full yet), not at DATA: refused whole, for every recipient.
  const perBefore = (await w.inbox(PER)).length;
  const second = await send(c, [ORG, PER], 'trop gros', `${'b'.repeat(76)}\r\n`.repeat(20));
  assert.deepEqual(second.rcpt, ['250 2.1.5 Accepted', '250 2.1.5 Accepted']);
  assert.equal(second.data, `552 5.2.2 <${ORG}>: mailbox full, message not accepted`);
  assert.deepEqual(await w.store.mail.usage(box.id), used);
  assert.equal((await w.inbox(ORG)).length, 1);
  assert.equal((await w.inbox(PER)).length, perBefore, 'nothing delivered to the other recipient either');

  // A small one fits: 2 messages of 2, so the mailbox is now full.
  assert.match((await send(c, [ORG], 'petit', 'ok\r\n')).data, /^250 /);
  const third = await send(c, [ORG, PER], 'après', 'encore\r\n');
  assert.equal(third.rcpt[0], `452 4.2.2 <${ORG}>: mailbox full, try again later`);
  assert.equal(third.rcpt[1], '250 2.1.5 Accepted');
  assert.match(third.data, /^250 2\.0\.0 .*\(1 local mailbox\)/, 'the other recipient gets it');
  assert.equal((await w.inbox(ORG)).length, 2);
  assert.equal((await w.inbox(PER)).length, perBefore + 1);
  await c.close();
});
