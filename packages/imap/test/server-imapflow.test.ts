// The IMAP server with an independent client (imapflow) over real sockets, STARTTLS and
// XOAUTH2/OAUTHBEARER with Pro Santé Connect tokens from the PSC stand-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { CAB, CLAIRE, D, GP, imapflowClient, JULIE, MARC, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';

let w: ImapWorld;
before(async () => {
  w = await startImapWorld();
});
after(async () => w.close());

const client = (user: string, accessToken: string) => imapflowClient(w.imap.port, user, accessToken);

/**
 * `p`, or a failure after `ms`. The bound is generous on purpose (a loaded CI machine may take a
 * second): what it catches is an event never sent, as there is no periodic path that could send it.
 */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const MESSAGE = (subject: string) =>
  Buffer.from(
    `From: Dr Paul Martin <${PER}>\r\nTo: Centre hospitalier <cardiologie.ch-lilas@${D}>\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <${subject.replace(/\W/g, '')}@test>\r\n\r\nCompte rendu de consultation.\r\n`,
  );

test(`${TEST_ENGINE}: the GP opens his PER over STARTTLS + XOAUTH2, appends, fetches, flags, searches, moves`, async () => {
  const c = client(PER, await w.token(GP));
  await c.connect();
  try {
    assert.ok(c.capabilities.has('IDLE'));
    assert.ok(c.capabilities.has('UIDPLUS'));
    const folders = (await c.list()).map((f) => [f.path, f.specialUse ?? null]);
    assert.deepEqual(
      folders.sort(),
      [
        ['Drafts', '\\Drafts'],
        ['INBOX', '\\Inbox'],
        ['Junk', '\\Junk'],
        ['Sent', '\\Sent'],
        ['Trash', '\\Trash'],
      ].sort(),
    );
    const appended = await c.append('INBOX', MESSAGE('Bilan cardiologique'), ['\\Flagged']);
    assert.ok(appended && typeof appended === 'object' && appended.uid === 1, String(appended && appended.uid));
    const lock = await c.getMailboxLock('INBOX');
    try {
      assert.equal((c.mailbox as { exists: number }).exists, 1);
      const msg = await c.fetchOne('1', { envelope: true, flags: true, source: true, uid: true, internalDate: true, size: true });
      assert.ok(msg);
      assert.equal(msg.envelope?.subject, 'Bilan cardiologique');
      assert.equal(msg.envelope?.from?.[0]?.address, PER);
      assert.ok(msg.flags?.has('\\Flagged'));
      assert.match(msg.source!.toString(), /Compte rendu de consultation/);
      // imapflow reads the source with BODY.PEEK[]: \Seen stays unset.
      const again = await c.fetchOne('1', { flags: true });
      assert.ok(again && !again.flags?.has('\\Seen'));
      await c.messageFlagsAdd('1', ['\\Answered', '\\Seen']);
      const f3 = await c.fetchOne('1', { flags: true });
      assert.ok(f3 && f3.flags?.has('\\Answered'));
      assert.deepEqual(await c.search({ subject: 'cardiologique' }), [1]);
      assert.deepEqual(await c.search({ subject: 'absent' }), []);
      assert.deepEqual(await c.search({ flagged: true, answered: true }), [1]);
      await c.mailboxCreate('Patients/Dupont');
      const moved = await c.messageMove('1', 'Patients/Dupont');
      assert.ok(moved && moved.uidMap?.get(1) === 1, String(moved && moved.uidMap));
      assert.equal((c.mailbox as { exists: number }).exists, 0);
    } finally {
      lock.release();
    }
    const st = await c.status('Patients/Dupont', { messages: true, unseen: true, uidNext: true });
    assert.ok(st);
    assert.equal(st.messages, 1);
    assert.equal(st.unseen, 0);
  } finally {
    await c.logout();
  }
  // The author is recorded with the message (R-CAB-9), apart from the mailbox.
  const box = (await w.store.mailboxes.byAddress(PER))!;
  const folder = (await w.store.mail.folder(box.id, 'Patients/Dupont'))!;
  const rows = await w.store.mail.messages(folder.id);
  assert.equal(rows[0]?.author_idnat, GP);
  const audit = await w.store.audit.list({ mailbox: PER, limit: 1000 });
  assert.ok(audit.some((a) => a.action.startsWith('imap-append') && a.idnat === GP));
  assert.ok(audit.some((a) => a.action.startsWith('imap-move') && a.idnat === GP));
});

test('R-CAB-4 / story 1: a cotitulaire who has not accepted the CGU is refused with the acceptance URL, then let in', async () => {
  const c = client(CAB, await w.token(MARC));
  await assert.rejects(c.connect(), (err: Error & { responseText?: string; serverResponseCode?: string }) => {
    assert.match(String(err.responseText ?? err.message), /terms of use must be accepted .*http:\/\/127\.0\.0\.1:8080\/cgu\/2026-01/);
    assert.equal(err.serverResponseCode, 'AUTHORIZATIONFAILED');
    return true;
  });
  await w.gov.acceptCgu({ kind: 'person', idnat: MARC }, '2026-01');
  const ok = client(CAB, await w.token(MARC));
  await ok.connect();
  await ok.logout();
});

test('R-AUTH-2: a valid token for a mailbox the person has no right to is refused', async () => {
  const c = client(CAB, await w.token(GP));
  await assert.rejects(c.connect(), (err: Error & { serverResponseCode?: string }) => err.serverResponseCode === 'AUTHORIZATIONFAILED');
});

test(`${TEST_ENGINE}: R-AUTH-3, decide then reveal: a person with no right learns nothing — a suspended mailbox answers as one that does not exist`, async () => {
  const refusal = async (user: string, who = GP) => {
    const c = client(user, await w.token(who));
    let seen: { code?: string; text: string } | undefined;
    await assert.rejects(c.connect(), (err: Error & { serverResponseCode?: string; responseText?: string }) => {
      seen = { code: err.serverResponseCode, text: String(err.responseText ?? err.message) };
      return true;
    });
    return seen;
  };
  const unknown = await refusal(`personne@${D}`);
  const box = (await w.store.mailboxes.byAddress(CAB))!;
  await w.store.mailboxes.update(box.id, { status: 'suspended' });
  try {
    assert.deepEqual(await refusal(CAB), unknown);
    assert.equal(unknown?.code, 'AUTHORIZATIONFAILED');
    // Its owner, who has a role there, is told why (R-BAL-2).
    assert.match((await refusal(CAB, CLAIRE))?.text ?? '', /This mailbox is suspended/);
  } finally {
    await w.store.mailboxes.update(box.id, { status: 'active' });
  }
});

test('R-AUTH-3: a forged token gets the XOAUTH2 error challenge, then NO [AUTHENTICATIONFAILED]', async () => {
  const token = await w.token(GP);
  const forged = `${token.slice(0, -6)}AAAAAA`;
  const c = client(PER, forged);
  await assert.rejects(c.connect(), (err: Error & { serverResponseCode?: string }) => err.serverResponseCode === 'AUTHENTICATIONFAILED');
  const audit = await w.store.audit.list({ mailbox: PER, limit: 1000 });
  assert.ok(audit.some((a) => a.reason === 'invalid-token:bad-signature'));
});

test('IDLE: a message appended by another session is announced while idling (RFC 2177)', async () => {
  // imapflow reports the server's `+ idling` only in its debug log: that line is the moment IDLE is
  // established, so the append below is pushed to an idling session, not reported when IDLE starts.
  let established!: () => void;
  const idling = new Promise<void>((resolve) => (established = resolve));
  const quiet = () => {};
  const logger = {
    trace: quiet,
    info: quiet,
    warn: quiet,
    error: quiet,
    debug: (e: { msg?: string }) => (/^Initiated IDLE/.test(e.msg ?? '') ? established() : undefined),
  };
  const idler = imapflowClient(w.imap.port, PER, await w.token(GP), { logger });
  const writer = client(PER, await w.token(JULIE));
  await idler.connect();
  await writer.connect();
  try {
    await idler.mailboxOpen('INBOX');
    const seen = new Promise<number>((resolve) => idler.on('exists', (d: { count: number }) => resolve(d.count)));
    const idle = idler.idle();
    await within(idling, 10_000, 'IDLE established');
    const t0 = Date.now();
    await writer.append('INBOX', MESSAGE('Nouveau résultat'));
    const count = await within(seen, 10_000, 'EXISTS pushed to the idling session');
    console.log(`# EXISTS announced ${Date.now() - t0} ms after the APPEND began`);
    assert.ok(count >= 1);
    void idle;
  } finally {
    await writer.logout();
    await idler.logout();
  }
});

test('R-AUTH-4 / R-DEL-5: revoking the secretary’s delegation ends her open session at once', async () => {
  const c = client(PER, await w.token(JULIE));
  await c.connect();
  await c.mailboxOpen('INBOX');
  const closed = new Promise<number>((resolve) => c.on('close', () => resolve(Date.now())));
  const view = await w.gov.getMailbox({ kind: 'person', idnat: GP }, PER);
  const d = view.delegations!.find((x) => x.delegateIdnat === JULIE)!;
  const t0 = Date.now();
  await w.gov.revokeDelegation({ kind: 'person', idnat: GP }, PER, d.id, 'fin de contrat');
  // Nothing but the revocation event closes it (her token is good for ten minutes): a bound of seconds tells the two apart.
  const at = await within(closed, 10_000, 'her session closed');
  console.log(`# session closed ${at - t0} ms after the revocation began`);
  const again = client(PER, await w.token(JULIE));
  await assert.rejects(again.connect());
});
