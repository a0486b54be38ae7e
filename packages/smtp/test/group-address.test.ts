// A practice's group address (issue #20 rule 7) over SMTP with independent clients: anyone may
// write to it, the message lands in every member's INBOX through the one delivery transaction
// (one 250 for all of them), and nobody sends as it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { CAB, CLAIRE, D, GP, PER, SOPHIE, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';

const SCRIPT = fileURLToPath(new URL('./support/smtplib_client.py', import.meta.url));
const GROUP = `secretariat.lilas@${D}`;
const SOPHIE_PER = `sophie.moreau@${D}`;
let w: SmtpWorld;
before(async () => {
  w = await startSmtpWorld();
  await w.gov.createMailbox({ kind: 'person', idnat: SOPHIE }, { type: 'PER', address: SOPHIE_PER });
  await w.gov.createGroup({ kind: 'person', idnat: CLAIRE }, CAB, { address: GROUP, members: [CAB, SOPHIE_PER] });
});
after(async () => w.close());

async function py(scenario: string, args: string[]): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, String(w.smtp.port), scenario, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Record<string, any>;
}

test('the GP writes to the practice’s group address (smtplib): one 250, a copy in each member’s INBOX, same stored message', async () => {
  const before = { cab: (await w.inbox(CAB)).length, sophie: (await w.inbox(SOPHIE_PER)).length };
  const out = await py('xoauth2-send', [PER, await w.token(GP), GROUP, 'pour le cabinet']);
  assert.deepEqual(out.refused, {});
  const cab = await w.inbox(CAB);
  const sophie = await w.inbox(SOPHIE_PER);
  assert.equal(cab.length, before.cab + 1);
  assert.equal(sophie.length, before.sophie + 1);
  assert.equal(cab.at(-1)!.subject, 'pour le cabinet');
  assert.equal(cab.at(-1)!.blob_hash, sophie.at(-1)!.blob_hash);
  assert.equal(cab.at(-1)!.author_idnat, GP);
});

test('a member who leaves the practice stops receiving at once; a closed group is an unknown recipient', async () => {
  await w.gov.removeCotitulaire({ kind: 'person', idnat: CLAIRE }, CAB, SOPHIE);
  const before = (await w.inbox(SOPHIE_PER)).length;
  const out = await py('xoauth2-send', [PER, await w.token(GP), GROUP, 'après départ']);
  assert.deepEqual(out.refused, {});
  assert.equal((await w.inbox(SOPHIE_PER)).length, before, 'no copy for someone no longer of the practice');
  assert.equal((await w.inbox(CAB)).at(-1)!.subject, 'après départ');
  await w.gov.closeGroup({ kind: 'person', idnat: CLAIRE }, CAB, GROUP, 'fin');
  const rcpt = await py('recipients', [PER, await w.token(GP), GROUP]);
  assert.deepEqual(rcpt.rcpt[GROUP], [550, `5.1.1 <${GROUP}>: no such mailbox at this operator`]);
});

test('nobody sends as a group address: MAIL FROM it is refused with the reason (nodemailer); it cannot be opened either', async () => {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: w.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user: CAB, accessToken: await w.token(CLAIRE) },
  });
  try {
    await assert.rejects(
      t.sendMail({ envelope: { from: GROUP, to: [PER] }, from: GROUP, to: PER, subject: 'au nom du groupe', text: 'x' }),
      (err: { responseCode?: number; response?: string }) =>
        err.responseCode === 550 &&
        /5\.7\.1 .*group address, nobody sends as it; send as cabinet\.infirmiers-des-lilas/.test(err.response ?? ''),
    );
  } finally {
    t.close();
  }
  const decision = await w.access.decide({ principal: { kind: 'person', idnat: CLAIRE }, mailbox: GROUP, action: 'send', channel: 'smtp' });
  assert.deepEqual([decision.allowed, !decision.allowed && decision.reason], [false, 'unknown-mailbox']);
});
