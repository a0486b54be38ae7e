// Mail and directory through the SDK against `mss sandbox`: SMTP and IMAP with the person's PSC
// token and `user=` the mailbox (R-AUTH-2), a mailbox handle per mailbox (PER, CAB as
// cotitulaire R-CAB-5, delegated PER R-DEL-3), a discharge letter with its Ref. #2 headers judged
// by the operator (R-DOC-2), read receipts (RFC 8098), and the Annuaire Santé: FHIR v2 with
// paging, the resolver (R-ANN-4), LDAP within its limits (R-ANN-3).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { approveOnSandboxEcps, FhirDirectory, LDAP_SIZE_LIMIT, MssClient, MssClientError, resolveMailbox, searchLdap } from '@mss/client';
import { SAMPLE_DOCUMENTS } from '@mss/xdm';
import { PSC_LPS, startSandbox, type TestSandbox } from './support/sandbox.ts';

const GP = { idnat: '810000001056', mailbox: 'paul.martin@operateur-a.mssante.fr' };
const CAB = 'cabinet.infirmiers-des-lilas@operateur-a.mssante.fr';
const SOPHIE = '810000001395';
const SECRETARY = '810000001478';

let s: TestSandbox;
let client: MssClient;
before(async () => {
  s = await startSandbox();
  client = await MssClient.connect({
    environment: s.env,
    psc: PSC_LPS,
    nil: 'DEV935997',
    tokens: { onApprovalRequested: (_i, r) => approveOnSandboxEcps(s.env, r.authReqId) },
  });
});
after(() => s.stop());

test('a discharge letter to a CAB: the operator judges its headers consistent; a cotitulaire reads it, its CDA, moves it, sends the read receipt', async () => {
  const gp = client.person(GP.idnat).mailbox(GP.mailbox);
  const cda = await readFile(SAMPLE_DOCUMENTS.dischargeLetter);
  const sent = await gp.send({ to: [CAB], subject: 'Lettre de liaison SDK', text: 'ci-joint', documents: [{ cda }], readReceipt: true });
  assert.deepEqual(sent.accepted, [CAB]);
  // The operator's 250 says what its R-DOC-2 checks found.
  assert.match(sent.response, /CODECDA=ok INS=ok NIL=ok/);

  const cab = client.person(SOPHIE).mailbox(CAB);
  await cab.withImap(async (imap) => {
    const got = await imap.waitFor((m) => m.messageId === sent.messageId, { timeoutMs: 60_000 });
    assert.equal(got.message.from?.address, GP.mailbox);
    assert.deepEqual(got.message.mss.codeCda, ['11490-0']);
    assert.equal(got.message.documents[0]?.ins, '279035121518989');
    assert.ok(got.message.documents[0]?.bytes.equals(cda));
    assert.equal(got.message.readReceiptTo, GP.mailbox);
    await imap.flow.mailboxCreate('Traités').catch(() => undefined);
    await imap.markSeen(got.uid);
    await imap.move(got.uid, 'Traités');
    const moved = await imap.fetch('Traités');
    assert.deepEqual(
      moved.map((m) => m.message.messageId),
      [sent.messageId],
    );
    assert.ok(moved[0]?.flags.includes('\\Seen'));
    assert.deepEqual(
      (await imap.fetch('INBOX')).filter((m) => m.message.messageId === sent.messageId),
      [],
    );
    const receipt = await cab.sendReadReceipt(got.message, { reportingUa: 'mss-client-test' });
    assert.deepEqual(receipt?.accepted, [GP.mailbox]);
  });

  const mdn = await gp.withImap((imap) => imap.waitFor((m) => m.mdn?.originalMessageId === sent.messageId, { timeoutMs: 60_000 }));
  assert.equal(mdn.message.mdn?.type, 'displayed');
  assert.equal(mdn.message.mdn?.finalRecipient, CAB);
  assert.equal(mdn.message.from?.address, CAB, 'From: is the CAB, not the nurse who acted');
});

test('a delegate sends from the delegated PER: From: is the mailbox (R-DEL-3)', async () => {
  const delegated = client.person(SECRETARY).mailbox(GP.mailbox);
  const sent = await delegated.send({ to: [CAB], subject: 'Envoyé par la secrétaire', text: 'RDV confirmé' });
  assert.deepEqual(sent.accepted, [CAB]);
  const got = await client
    .person(SOPHIE)
    .mailbox(CAB)
    .withImap((imap) => imap.waitFor((m) => m.messageId === sent.messageId, { timeoutMs: 60_000 }));
  assert.equal(got.message.from?.address, GP.mailbox);
});

test('a mailbox the person may not open: refused at login on SMTP and IMAP (R-AUTH-2, R-AUTH-3)', async () => {
  const notHers = client.person(GP.idnat).mailbox(CAB);
  await assert.rejects(
    notHers.send({ to: [GP.mailbox], subject: 'x', text: 'x' }),
    (e: unknown) => e instanceof MssClientError && e.code === 'AUTHENTICATION_REFUSED' && /535/.test(e.message),
  );
  await assert.rejects(notHers.imap(), (e: unknown) => e instanceof MssClientError && e.code === 'AUTHENTICATION_REFUSED');
});

test('FHIR v2: a practitioner by name and by RPPS with her MSSanté mailboxes; paging follows the next link', async () => {
  const directory = new FhirDirectory(s.env);
  const [anne] = await directory.searchPractitioners({ family: 'Lambert', given: 'Anne', withMailbox: true }, 1);
  assert.equal(anne?.idnat, '810000001635');
  assert.equal(anne?.rpps, '10000001635');
  assert.deepEqual(
    anne?.mailboxes.map((m) => [m.address, m.type]),
    [['anne.lambert@operateur-b.mssante.fr', 'PER']],
  );
  assert.equal(anne?.profession?.code, '10');
  assert.equal((await directory.professional('10000001130'))?.mailboxes[0]?.type, 'CAB');
  assert.equal(await directory.professional('10000009999'), null);
  // Pages of 3: more than one page, nobody twice, the same people as one big page.
  const paged: string[] = [];
  for await (const p of directory.practitioners({ withMailbox: true, pageSize: 3 })) paged.push(p.idnat);
  const whole = (await directory.searchPractitioners({ withMailbox: true, pageSize: 1000 }, 10_000)).map((p) => p.idnat);
  assert.ok(paged.length > 3);
  assert.equal(new Set(paged).size, paged.length);
  assert.deepEqual([...paged].sort(), [...whole].sort());
});

test('the resolver picks the mailbox for the context, or says why not (R-ANN-4)', async () => {
  const r = await resolveMailbox(s.env, '810000001130', { city: 'Les Lilas' });
  assert.equal(r.outcome, 'matched');
  assert.equal(r.mailbox?.address, CAB);
  const none = await resolveMailbox(s.env, '810000001130', { postalCode: '75001' });
  assert.equal(none.mailbox, null);
  assert.ok(none.candidates.length >= 1);
  await assert.rejects(resolveMailbox(s.env, '810000009999'), (e: unknown) => e instanceof MssClientError && e.code === 'NOT_FOUND');
});

test('LDAP: by address prefix and by name, limits stated, input escaped (R-ANN-3, RFC 4515)', async () => {
  const byMail = await searchLdap(s.env, { mailPrefix: 'paul.martin@' });
  assert.deepEqual(
    byMail.entries.map((e) => [e.mail, e.typeBAL]),
    [[GP.mailbox, 'PER']],
  );
  assert.equal(byMail.mayHaveMore, false);
  const byName = await searchLdap(s.env, { sn: 'Martin', givenName: 'Paul' });
  assert.ok(byName.entries.some((e) => e.mail === GP.mailbox && e.idnat === GP.idnat));
  // A `*` typed by the user is a character to look for, not a wildcard.
  assert.deepEqual((await searchLdap(s.env, { sn: '*' })).entries, []);
  const few = await searchLdap(s.env, { typeBAL: 'PER', sizeLimit: 2 });
  assert.equal(few.entries.length, 2);
  assert.equal(few.mayHaveMore, true);
  // Never more than the directory's 100, whatever is asked.
  assert.equal((await searchLdap(s.env, { typeBAL: 'PER', sizeLimit: 500 })).entries.length, LDAP_SIZE_LIMIT);
});
