// The in-process API of Mon Espace Santé over a real store (SQLite, or PostgreSQL with
// MSS_DATABASE_URL): the patients seeded with their INS traits, and the rules R-MES-1 to R-MES-4
// as the web mailbox meets them. A professional's message enters as the relay puts it in: through
// `deliverLocally`, with `recordInbound` in the delivery transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkIns, NO_DOCUMENTS } from '@mss/domain';
import { ingestMessage, type Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { parseMessage, mssHeaders } from '@mss/mime';
import { silentLogger } from '@mss/runtime';
import { deliverLocally } from '@mss/smtp';
import { PERSONA_PATIENT_CLOSED_INS, PERSONA_PATIENT_INS, generatePatients } from '@mss/seed';
import { MesError, MonEspaceSante, seedMes, PATIENT_MARKER_HEADER } from '../src/index.ts';

const PATIENT = PERSONA_PATIENT_INS;
const GP = 'paul.martin@operateur-a.mssante.fr';
const ANNE = 'anne.lambert@operateur-b.mssante.fr';

let store: Store;
let cleanup: () => Promise<void>;
let mes: MonEspaceSante;
let pokes = 0;

before(async () => {
  ({ store, cleanup } = await openTestStore());
  await seedMes(store, { patients: 200, seed: 7 });
  mes = new MonEspaceSante({ store, logger: silentLogger(), queue: { poke: () => void pokes++ } });
});
after(async () => cleanup());

/** A professional's message arriving at MES's relay, as the relay stores it. */
async function arrives(from: string, head: string[], body = 'Bonjour,\r\n'): Promise<number> {
  const raw = Buffer.from(`${[`From: <${from}>`, `To: <${PATIENT}@patient.mssante.fr>`, ...head].join('\r\n')}\r\n\r\n${body}`, 'utf8');
  const data = ingestMessage(raw);
  const blob = await store.blobs.put(raw);
  const box = (await store.mailboxes.byAddress(`${PATIENT}@patient.mssante.fr`))!;
  const headPart = raw.subarray(0, raw.indexOf('\r\n\r\n') + 4);
  let id = 0;
  await deliverLocally(store, {
    message: { blob, data, receivedAt: new Date(), authorIdnat: null },
    recipients: [{ mailboxId: box.id, address: box.address }],
    counted: { ref: 'test', receivedAt: new Date(), documents: NO_DOCUMENTS, fromMes: false },
    async also(tx, { copies }) {
      id = copies[0]!.messageId;
      await mes.recordInbound(tx, {
        sender: from,
        peer: { operator: 'Operateur A', operatorDomain: 'operateur-a.mssante.fr' },
        copies,
        head: headPart,
        mss: mssHeaders(parseMessage(headPart)),
      });
    },
  });
  return id;
}

async function refusedWith(p: Promise<unknown>, code: string, rule?: string): Promise<MesError> {
  await assert.rejects(p, (err: unknown) => err instanceof MesError && err.code === code && (rule === undefined || err.rule === rule));
  return p.catch((e: MesError) => e) as Promise<MesError>;
}

test('the demo patient and the synthetic ones are seeded with a valid INS (R-DOC-3) and their traits; seeding again adds nothing', async () => {
  const p = (await mes.patient(PATIENT))!;
  assert.deepEqual(
    { ...p },
    {
      ins: PATIENT,
      address: `${PATIENT}@patient.mssante.fr`,
      active: true,
      birthName: 'Pat-Trois',
      usedName: null,
      firstNames: ['Dominique', 'Marie'],
      usedFirstName: 'Dominique',
      birthDate: '1979-03-21',
      sex: 'F',
      birthPlace: '51215',
      displayName: 'Dominique Pat-Trois',
    },
  );
  assert.equal((await mes.patient(PERSONA_PATIENT_CLOSED_INS))!.active, false);
  assert.equal(await store.mes.countPatients(), 202);
  const again = await seedMes(store, { patients: 200, seed: 7 });
  assert.equal(again.created, 0);
  for (const g of generatePatients({ seed: 7, count: 200 })) {
    assert.ok(checkIns(g.ins).ok, g.ins);
    // The NIR says the sex, the year and month of birth, and the birth département.
    assert.equal(g.ins[0], g.sex === 'F' ? '2' : '1');
    assert.equal(g.ins.slice(1, 3), g.birthDate.slice(2, 4));
    assert.equal(g.ins.slice(3, 5), g.birthDate.slice(5, 7));
    assert.equal(g.ins.slice(5, 10), g.birthPlace);
  }
  assert.deepEqual(generatePatients({ seed: 7, count: 50 }), generatePatients({ seed: 7, count: 50 }), 'deterministic');
});

test('an identity from FranceConnect finds its patient (case and accents aside); an ambiguous or unknown one finds none', async () => {
  const p = await mes.findPatient({ familyName: 'PAT-TROIS', givenName: 'Dominique', birthdate: '1979-03-21', gender: 'female' });
  assert.equal(p?.ins, PATIENT);
  assert.equal(await mes.findPatient({ familyName: 'Pat-Trois', birthdate: '1979-03-22' }), undefined);
  assert.equal(await mes.findPatient({ familyName: 'Pat-Trois', birthdate: '1979-03-21', gender: 'male' }), undefined);
});

test('R-MES-1: the patient cannot write first; nothing is stored or queued', async () => {
  const d = await mes.canWrite(PATIENT, GP);
  assert.equal(d.allowed, false);
  assert.equal(!d.allowed && d.code, 'never-wrote');
  const e = await refusedWith(mes.send(PATIENT, { to: GP, subject: 'Question', body: 'Bonjour' }), 'not-allowed', 'R-MES-1');
  assert.match(e.message, /quand il vous aura écrit/);
  assert.equal((await store.queue.list({})).length, 0);
  assert.deepEqual(await mes.listConversations(PATIENT), []);
});

test('R-MES-1: once the professional wrote, the patient replies; MES writes From: with her names and the marker (R-MES-3), keeps a copy in Sent, queues it', async () => {
  const id = await arrives(GP, [
    'Subject: Résultats',
    'Message-ID: <r1@cabinet>',
    'Disposition-Notification-To: <paul.martin@operateur-a.mssante.fr>',
  ]);
  assert.deepEqual(await mes.canWrite(PATIENT, GP), { allowed: true });
  const [c] = await mes.listConversations(PATIENT);
  assert.equal(c!.professional, GP);
  assert.equal(c!.state, 'open');
  assert.equal(c!.unread, 1);
  const before = pokes;
  const sent = await mes.send(PATIENT, { to: GP, subject: 'Re: Résultats', body: 'Merci docteur.\nDominique', inReplyTo: id });
  assert.equal(sent.direction, 'out');
  assert.equal(pokes, before + 1);
  const [row] = await store.queue.list({});
  assert.equal(row!.recipient, GP);
  assert.equal(row!.mail_from, `${PATIENT}@patient.mssante.fr`);
  const raw = (await store.blobs.get(row!.blob_hash)).toString('latin1');
  assert.match(raw, /^From: Dominique Pat-Trois <279035121518989@patient\.mssante\.fr>\r\n/m);
  assert.match(raw, new RegExp(`^${PATIENT_MARKER_HEADER}: O\\r\\n`, 'm'));
  assert.match(raw, /^In-Reply-To: <r1@cabinet>\r\n/m);
  assert.match(raw, /^Subject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\r\n/m, 'RFC 2047 for the accent');
  const messages = await mes.messages(PATIENT, GP);
  assert.deepEqual(
    messages.map((m) => [m.direction, m.subject]),
    [
      ['in', 'Résultats'],
      ['out', 'Re: Résultats'],
    ],
  );
  assert.equal(messages[0]!.mdnRequested, true);
});

test('R-MES-4: opening a message that asked for a receipt tells so; the receipt goes once, from the null sender, to the professional', async () => {
  const [first] = await mes.messages(PATIENT, GP);
  const read = await mes.markRead(PATIENT, first!.id);
  assert.deepEqual(read, { mdnRequested: true, mdnTo: GP });
  await mes.sendMdn(PATIENT, first!.id);
  const mdn = (await store.queue.list({})).find((r) => r.mail_from === '')!;
  assert.equal(mdn.recipient, GP);
  assert.equal(mdn.notify, 'NEVER');
  const raw = (await store.blobs.get(mdn.blob_hash)).toString('latin1');
  assert.match(raw, /Content-Type: multipart\/report; report-type=disposition-notification;/);
  assert.match(raw, /\r\nDisposition: manual-action\/MDN-sent-manually; displayed\r\n/);
  assert.match(raw, /\r\nOriginal-Message-ID: <r1@cabinet>\r\n/);
  assert.match(raw, /\r\nFinal-Recipient: rfc822; 279035121518989@patient\.mssante\.fr\r\n/);
  await refusedWith(mes.sendMdn(PATIENT, first!.id), 'mdn-already-sent', 'R-MES-4');
  assert.deepEqual(await mes.markRead(PATIENT, first!.id), { mdnRequested: false, mdnTo: GP });
});

test('R-MES-2: X-MSS-MES: FIN ends the exchange; the patient reads it but cannot write; the professional writing again reopens it', async () => {
  const fin = await arrives(GP, ['Subject: Fin du suivi', 'X-MSS-MES: FIN']);
  const e = await refusedWith(mes.send(PATIENT, { to: GP, subject: 'Encore', body: 'x' }), 'not-allowed', 'R-MES-2');
  assert.match(e.message, /mis fin à l'échange/);
  const detail = await mes.message(PATIENT, fin);
  assert.equal(detail.ended, 'X-MSS-MES: FIN');
  assert.equal(detail.text, 'Bonjour,\r\n');
  await arrives(GP, ['Subject: Nouvelle consultation']);
  assert.deepEqual(await mes.canWrite(PATIENT, GP), { allowed: true });
  const history = await mes.history(PATIENT, GP);
  assert.deepEqual(
    history.map((h) => [h.event, h.state, h.detail]),
    [
      ['professional-wrote', 'open', 'first message'],
      ['patient-wrote', 'open', null],
      ['mdn-sent', 'open', `to ${GP}`],
      ['ended', 'ended', 'X-MSS-MES: FIN'],
      ['professional-wrote', 'open', 'reopened after the end of the exchange'],
    ],
  );
});

test('R-MES-2: the historical subject form [FIN] ends it too; a [FIN] further in the subject does not', async () => {
  await arrives(ANNE, ['Subject: Re: [FIN] ancien échange']);
  assert.deepEqual(await mes.canWrite(PATIENT, ANNE), { allowed: true });
  await arrives(ANNE, ['Subject: [FIN] Merci pour votre confiance']);
  const d = await mes.canWrite(PATIENT, ANNE);
  assert.equal(d.allowed, false);
  assert.equal(!d.allowed && d.rule, 'R-MES-2');
  const last = (await mes.messages(PATIENT, ANNE)).at(-1)!;
  assert.equal(last.ended, 'subject [FIN]');
});

test('bad input: another patient, an address outside MSSanté, an oversized attachment, a closed MES, someone else’s message', async () => {
  await refusedWith(
    mes.send(PATIENT, { to: `${PERSONA_PATIENT_CLOSED_INS}@patient.mssante.fr`, subject: 's', body: 'b' }),
    'invalid-recipient',
  );
  await refusedWith(mes.send(PATIENT, { to: 'someone@gmail.com', subject: 's', body: 'b' }), 'invalid-recipient');
  const big = { filename: 'scan.pdf', contentType: 'application/pdf', content: Buffer.alloc(mes.maxAttachmentBytes + 1) };
  const e = await refusedWith(mes.send(PATIENT, { to: GP, subject: 's', body: 'b', attachments: [big] }), 'too-large');
  assert.match(e.message, /10 Mio/);
  await refusedWith(mes.listConversations(PERSONA_PATIENT_CLOSED_INS), 'mes-closed');
  const other = generatePatients({ seed: 7, count: 1 })[0]!;
  const [m] = await mes.messages(PATIENT, GP);
  await refusedWith(mes.message(other.ins, m!.id), 'no-such-message');
});
