// One ingestion path (issue #19): a message's structure and search values are computed once,
// when it enters the store, whichever way it came — SMTP local delivery, the relay from another
// operator, a DSN filed by the operator, IMAP APPEND — and IMAP encodes ENVELOPE/BODYSTRUCTURE
// from them on the way out. Reads never write: every SQL statement A's store runs while an IMAP
// client FETCHes and SEARCHes that mail is counted, and none of them may write (before, a FETCH
// of SMTP-delivered mail wrote its IMAP caches back, one fsynced commit per message).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { AccessControl, createTokenValidator } from '@mss/access';
import { startImapServer, type RunningImapServer } from '@mss/imap';
import { silentLogger } from '@mss/runtime';
import { A, ANNE, GP, PER, sendAsGp, startTwoOperators, type TwoOperators } from './support/two-operators.ts';
import { eventually } from './support/smtp-world.ts';

const CAB = `cabinet.infirmiers-des-lilas@${A}`;
const WRITE = /^\s*(insert|update|delete|replace|upsert|create|alter|drop|truncate|begin|commit|savepoint)\b/i;

let w: TwoOperators;
let imap: RunningImapServer;
const statements: string[] = [];
let counting = false;

before(async () => {
  w = await startTwoOperators({ storeA: { onStatement: (sql) => counting && statements.push(sql) } });
  const access = new AccessControl({ store: w.a.store, publicBaseUrl: 'http://127.0.0.1:8080' });
  imap = await startImapServer({
    store: w.a.store,
    access,
    tokenValidator: createTokenValidator({ issuer: w.psc.issuer }),
    logger: silentLogger(),
    host: '127.0.0.1',
    port: 0,
    tls: { cert: w.a.cert.certPem, key: w.a.cert.keyPem },
  });
});
after(async () => {
  await imap?.stop();
  await w?.close();
});

async function client(): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: imap.port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: PER, accessToken: await w.token(GP) },
    logger: false,
  });
  await c.connect();
  return c;
}

test('IMAP FETCH and SEARCH of mail delivered by SMTP, relayed, filed as a DSN and APPENDed write nothing to the store', async () => {
  // SMTP submission, local delivery to the GP's own mailbox and to a CAB, with a success report
  // filed locally (a DSN), and a message to the other operator whose success report comes back
  // through A's relay (relayed mail).
  await sendAsGp(w, { to: [PER, CAB], subject: 'Compte rendu local', text: 'corps local\n', dsn: { notify: ['success'], recipient: PER } });
  await sendAsGp(w, { to: ANNE, subject: 'Avis à distance', text: 'x\n', dsn: { notify: ['success'] } });
  await eventually(async () => (await w.a.inbox(PER)).some((m) => m.from_addr?.includes('operateur-b') === true), 10_000);
  const c = await client();
  try {
    await c.append(
      'INBOX',
      'From: <secretariat@operateur-a.mssante.fr>\r\nTo: <paul.martin@operateur-a.mssante.fr>\r\nSubject: Ajout IMAP\r\n' +
        'Content-Type: multipart/alternative; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nun\r\n--z\r\nContent-Type: text/html\r\n\r\n<p>un</p>\r\n--z--\r\n',
    );
    // Everything is delivered: A's queue runner has nothing left to do, but its poll (a claim,
    // `update … for update skip locked`, every 200 ms) is a write of its own that the count would
    // catch now and then. It is stopped so that only the IMAP reads' statements are counted.
    await w.a.runner.stop();
    const lock = await c.getMailboxLock('INBOX');
    try {
      counting = true;
      const fetched = [];
      for await (const m of c.fetch('1:*', {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
        size: true,
        internalDate: true,
        headers: ['subject'],
        bodyParts: ['1'],
      }))
        fetched.push(m);
      const subjects = fetched.map((m) => m.envelope?.subject ?? '');
      const bySubject = new Map(fetched.map((m) => [m.envelope?.subject ?? '', m]));
      assert.ok(subjects.includes('Compte rendu local'), subjects.join(' | '));
      assert.ok(subjects.includes('Ajout IMAP'));
      assert.equal(subjects.filter((s) => s === 'Successful Mail Delivery Report').length, 2, 'the local DSN and the relayed one');
      assert.equal(bySubject.get('Ajout IMAP')!.bodyStructure!.type, 'multipart/alternative');
      assert.equal(bySubject.get('Successful Mail Delivery Report')!.bodyStructure!.type, 'multipart/report');
      assert.equal(bySubject.get('Compte rendu local')!.envelope!.from![0]!.address, PER);
      const uids = async (q: Parameters<ImapFlow['search']>[0]) => ((await c.search(q, { uid: true })) || []).length;
      assert.equal(await uids({ subject: 'compte rendu' }), 1);
      assert.equal(await uids({ from: 'MAILER-DAEMON' }), 2);
      assert.equal(await uids({ to: 'paul.martin' }), 4);
      assert.equal(await uids({ body: 'corps local' }), 1);
      assert.equal(await uids({ header: { 'content-type': 'multipart/alternative' } }), 1);
      assert.equal(await uids({ all: true }), fetched.length);
      counting = false;
      const writes = statements.filter((s) => WRITE.test(s));
      assert.ok(statements.length > 0, 'the statements of the reads were seen');
      assert.deepEqual(writes, [], 'no statement of a FETCH or SEARCH writes');
    } finally {
      counting = false;
      lock.release();
    }
  } finally {
    await c.logout();
  }
});
