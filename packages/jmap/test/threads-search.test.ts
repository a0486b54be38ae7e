// Threads (RFC 8621 §3), Email/query filters (§4.4.1) and SearchSnippet/get (§5) against one
// server: the independent client jmap-jam for the thread and snippet calls, imapflow for a reply
// APPENDed over IMAP (it must land in the thread of what it answers), raw HTTP for the errors.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { GP, PER, api, calls, startJmapWorld, USING, type JmapWorld } from './support/world.ts';

// jmap-jam is loaded by a name tsc does not follow (see jmap-jam.test.ts).
const JAM = 'jmap-jam';
let world: JmapWorld;
let token: string;
let jam: any;
let accountId: string;
let testsId: string;
let sentName: string;
let imap: ImapFlow;
/** The Emails this file made, by letter. */
const ids: Record<string, string> = {};
const id = (letter: string): string => ids[letter]!;

const D = 'operateur-a.mssante.fr';

const A =
  `From: "Dr Jean Dupont" <jean.dupont@${D}>\r\nTo: ${PER}\r\nCc: secretariat@${D}\r\n` +
  'Subject: Bilan sanguin de <M. Durand>\r\nMessage-ID: <bilan-a1@example.org>\r\nDate: Sun, 1 Mar 2026 11:00:00 +0100\r\n' +
  'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
  'Bonjour,\r\nLes résultats de la glycémie sont normaux. Le bilan lipidique suit.\r\n';
const B =
  `From: ${PER}\r\nTo: jean.dupont@${D}\r\nSubject: RE : Bilan sanguin de <M. Durand>\r\n` +
  'Message-ID: <bilan-b1@example.org>\r\nIn-Reply-To: <bilan-a1@example.org>\r\nReferences: <bilan-a1@example.org>\r\n\r\n' +
  'Merci, je préviens le patient.\r\n';
const C =
  `From: laboratoire@${D}\r\nTo: ${PER}\r\nBcc: archives@${D}\r\nSubject: Compte rendu\r\nX-Priorite: haute\r\n` +
  'Message-ID: <cr-c1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
  '--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Voir la <b>pièce jointe</b> &amp; rappeler.</p>\r\n' +
  '--b\r\nContent-Type: application/pdf; name="cr.pdf"\r\nContent-Disposition: attachment; filename="cr.pdf"\r\n' +
  'Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n';
const Dm =
  `From: anne.durand@${D}\r\nTo: ${PER}\r\nSubject: TR: Bilan sanguin de <M. Durand>\r\n` +
  'Message-ID: <bilan-d1@example.org>\r\nReferences: <bilan-a1@example.org>\r\n\r\nPour information.\r\n';
const E = `From: anne.durand@${D}\r\nTo: ${PER}\r\nSubject: Bilan sanguin de <M. Durand>\r\nMessage-ID: <seul-e1@example.org>\r\n\r\nSans lien.\r\n`;

async function upload(raw: string): Promise<string> {
  const res = await fetch(`${world.base}/jmap/upload/${accountId}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
    body: raw,
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { blobId: string }).blobId;
}

async function importEmail(raw: string, receivedAt: string, keywords: Record<string, true>): Promise<string> {
  const [r] = await jam.api.Email.import({
    accountId,
    emails: { x: { blobId: await upload(raw), mailboxIds: { [testsId]: true }, keywords, receivedAt } },
  });
  const id = r.created?.x?.id;
  assert.ok(id, JSON.stringify(r.notCreated));
  return id;
}

async function emailState(): Promise<string> {
  return (await calls(world, token, [['Email/get', { accountId, ids: [] }, 'g']])).get('g')![1].state as string;
}

async function threadOf(id: string): Promise<string> {
  const [r] = await jam.api.Email.get({ accountId, ids: [id], properties: ['threadId'] });
  return r.list[0].threadId;
}

async function query(filter: unknown, extra: Record<string, unknown> = {}): Promise<string[]> {
  const r = await calls(world, token, [
    ['Email/query', { accountId, filter, sort: [{ property: 'receivedAt', isAscending: true }], ...extra }, 'q'],
  ]);
  const [name, args] = r.get('q')!;
  assert.equal(name, 'Email/query', JSON.stringify(args));
  const mine = new Set(Object.values(ids));
  return (args.ids as string[]).filter((id) => mine.has(id));
}

/** The letters of the Emails a query found, in its order. */
async function found(filter: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const letter = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
  return (await query(filter, extra)).map((id) => letter.get(id)).join('');
}

before(async () => {
  world = await startJmapWorld();
  token = await world.token(GP);
  const { default: JamClient } = (await import(JAM)) as { default: new (c: { sessionUrl: string; bearerToken: string }) => any };
  jam = new JamClient({ sessionUrl: `${world.base}/.well-known/jmap`, bearerToken: token });
  accountId = await jam.getPrimaryAccount();
  const [made] = await jam.api.Mailbox.set({ accountId, create: { t: { name: 'Tests fils' } } });
  testsId = made.created.t.id;
  const [boxes] = await jam.api.Mailbox.get({ accountId });
  sentName = boxes.list.find((b: { role: string }) => b.role === 'sent').name;
  imap = new ImapFlow({
    host: '127.0.0.1',
    port: world.imap.port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: PER, accessToken: token },
    logger: false,
    emitLogs: false,
  });
  await imap.connect();
});
after(async () => {
  await imap.logout().catch(() => {});
  await world.close();
});

test('a reply APPENDed over IMAP lands in the thread of what it answers; Thread/get lists it by receivedAt; Thread/changes says the thread changed (RFC 8621 §3.1, §3.2)', async () => {
  ids.A = await importEmail(A, '2026-03-01T10:00:00Z', { $seen: true });
  const threadA = await threadOf(id('A'));
  const s0 = await emailState();
  // RFC 3501 §6.3.11 APPEND, into another folder (Sent) with an INTERNALDATE after A's.
  assert.ok(await imap.append(sentName, Buffer.from(B), ['\\Seen'], new Date('2026-03-02T09:00:00Z')));
  const [q] = await jam.api.Email.query({ accountId, filter: { subject: 'RE : Bilan sanguin' } });
  assert.equal(q.ids.length, 1);
  ids.B = q.ids[0];
  assert.equal(await threadOf(id('B')), threadA, 'the IMAP reply joined the thread (In-Reply-To, subject matching once "RE :" is off)');
  const [t] = await jam.api.Thread.get({ accountId, ids: [threadA, 'Tnope'] });
  assert.deepEqual(t.list, [{ id: threadA, emailIds: [ids.A, ids.B] }]);
  assert.deepEqual(t.notFound, ['Tnope']);
  const [c] = await jam.api.Thread.changes({ accountId, sinceState: s0 });
  assert.deepEqual([c.created, c.updated, c.destroyed], [[], [threadA], []]);
  assert.equal(c.newState, await emailState());
});

test('a forward joins the thread, a message with the same subject answering nothing does not; a new thread is created, then destroyed (RFC 8621 §3.2)', async () => {
  ids.C = await importEmail(C, '2026-03-03T10:00:00Z', { $flagged: true });
  ids.D = await importEmail(Dm, '2026-03-04T10:00:00Z', {});
  const threadA = await threadOf(id('A'));
  assert.equal(await threadOf(ids.D), threadA, 'TR: with References');
  const s1 = await emailState();
  ids.E = await importEmail(E, '2026-03-05T10:00:00Z', {});
  const threadE = await threadOf(ids.E);
  assert.notEqual(threadE, threadA, 'the same subject alone does not join');
  const [created] = await jam.api.Thread.changes({ accountId, sinceState: s1 });
  assert.deepEqual([created.created, created.updated, created.destroyed], [[threadE], [], []]);
  const s2 = await emailState();
  await jam.api.Email.set({ accountId, destroy: [ids.E] });
  delete ids.E;
  const [gone] = await jam.api.Thread.changes({ accountId, sinceState: s2 });
  assert.deepEqual([gone.created, gone.updated, gone.destroyed], [[], [], [threadE]]);
  const [t] = await jam.api.Thread.get({ accountId, ids: [threadA] });
  assert.deepEqual(t.list[0].emailIds, [ids.A, ids.B, ids.D]);
});

test('Email/query collapseThreads keeps the first Email of each thread in the sorted order (RFC 8621 §4.4.3)', async () => {
  assert.equal(await found({ inMailbox: testsId }), 'ACD');
  assert.equal(await found(null, { collapseThreads: true }), 'AC');
  const r = await calls(world, token, [
    [
      'Email/query',
      { accountId, filter: { inMailbox: testsId }, sort: [{ property: 'receivedAt', isAscending: false }], collapseThreads: true },
      'q',
    ],
  ]);
  assert.equal(r.get('q')![1].collapseThreads, true);
  assert.deepEqual(r.get('q')![1].ids, [ids.D, ids.C], 'newest first: D stands for its thread');
});

test('Email/query filters: text, body, header fields, header, attachments, sizes, dates, keywords, in-thread keywords, operators (RFC 8621 §4.4.1)', async () => {
  // text: the From/To/Cc/Bcc/Subject fields or the body, case-insensitively.
  assert.equal(await found({ text: 'GLYCÉMIE' }), 'A', 'a word of the body only');
  assert.equal(await found({ text: 'jean.dupont' }), 'AB', 'an address');
  assert.equal(await found({ body: 'bilan' }), 'A', 'body: not the subject');
  assert.equal(await found({ body: 'pièce jointe' }), 'C', 'an HTML body is searched as text');
  assert.equal(await found({ from: 'Dr Jean' }), 'A');
  assert.equal(await found({ to: 'jean.dupont@' }), 'B');
  assert.equal(await found({ cc: 'secretariat' }), 'A');
  assert.equal(await found({ bcc: 'archives' }), 'C');
  assert.equal(await found({ subject: 'bilan sanguin' }), 'ABD');
  assert.equal(await found({ header: ['X-Priorite'] }), 'C', 'header [name]: the field is there');
  assert.equal(await found({ header: ['x-priorite', 'HAUTE'] }), 'C', 'header [name, value]');
  assert.equal(await found({ header: ['X-Priorite', 'basse'] }), '');
  assert.equal(await found({ header: ['In-Reply-To'] }), 'B');
  assert.equal(await found({ hasAttachment: true }), 'C');
  assert.equal(await found({ hasAttachment: false }), 'ABD');
  const sizes = (await jam.api.Email.get({ accountId, ids: [ids.A, ids.C], properties: ['size'] }))[0].list.map(
    (e: { size: number }) => e.size,
  );
  const [sizeA, sizeC] = [Math.min(...sizes), Math.max(...sizes)];
  assert.equal(await found({ minSize: sizeC }), 'C', 'minSize: at least');
  assert.equal(await found({ minSize: sizeA, maxSize: sizeA + 1 }), 'A');
  assert.ok(!(await found({ maxSize: sizeC })).includes('C'), 'maxSize: less than');
  assert.equal(
    await found({ after: '2026-03-02T09:00:00Z', before: '2026-03-04T10:00:00Z' }),
    'BC',
    'after: at or after; before: strictly before',
  );
  assert.equal(await found({ hasKeyword: '$seen' }), 'AB');
  assert.equal(await found({ notKeyword: '$seen' }), 'CD');
  assert.equal(await found({ allInThreadHaveKeyword: '$seen' }), '', "D is not seen: A's thread is not all seen");
  assert.equal(await found({ someInThreadHaveKeyword: '$seen' }), 'ABD');
  assert.equal(await found({ noneInThreadHaveKeyword: '$seen' }), 'C');
  assert.equal(await found({ allInThreadHaveKeyword: '$flagged' }), 'C');
  // FilterOperator (RFC 8620 §5.5).
  assert.equal(await found({ operator: 'OR', conditions: [{ hasAttachment: true }, { from: 'anne' }] }), 'CD');
  assert.equal(await found({ operator: 'AND', conditions: [{ subject: 'bilan' }, { hasKeyword: '$seen' }] }), 'AB');
  assert.equal(await found({ operator: 'NOT', conditions: [{ subject: 'bilan' }, { body: 'rappeler' }] }), '');
  assert.equal(
    await found({ operator: 'AND', conditions: [{ inMailbox: testsId }, { operator: 'NOT', conditions: [{ body: 'normaux' }] }] }),
    'CD',
  );
});

test('SearchSnippet/get marks the words found in the subject and the body, escapes the rest, null where nothing is found (RFC 8621 §5.1)', async () => {
  const [r] = await jam.api.SearchSnippet.get({
    accountId,
    filter: { operator: 'AND', conditions: [{ text: 'glycémie' }, { subject: 'durand' }] },
    emailIds: [ids.A, ids.C, 'Mnope'],
  });
  assert.deepEqual(r.notFound, ['Mnope']);
  const [a, c] = r.list;
  assert.equal(a.emailId, ids.A);
  assert.equal(a.subject, 'Bilan sanguin de &lt;M. <mark>Durand</mark>&gt;');
  assert.match(a.preview, /^Bonjour, Les résultats de la <mark>glycémie<\/mark> sont normaux\./);
  assert.ok(a.preview.length <= 255 + '<mark></mark>'.length);
  assert.deepEqual(c, { emailId: ids.C, subject: null, preview: null });
  const [h] = await jam.api.SearchSnippet.get({ accountId, filter: { body: 'PIÈCE' }, emailIds: [ids.C] });
  assert.equal(h.list[0].preview, 'Voir la <mark>pièce</mark> jointe &amp; rappeler.', 'HTML turned to text, then escaped');
  assert.equal(h.list[0].subject, null, 'body conditions mark only the body');
  const [none] = await jam.api.SearchSnippet.get({
    accountId,
    filter: { operator: 'NOT', conditions: [{ text: 'glycémie' }] },
    emailIds: [ids.A],
  });
  assert.deepEqual(none.list, [{ emailId: ids.A, subject: null, preview: null }], 'what a NOT excludes is not marked');
  assert.equal(none.notFound, null);
});

test('errors: unsupportedFilter, unsupportedSort, invalidArguments, requestTooLarge over maxObjectsInGet (RFC 8621 §4.4, §5.1; RFC 8620 §3.6.2)', async () => {
  const session = (await (await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    capabilities: Record<string, { maxObjectsInGet?: number }>;
  };
  const max = session.capabilities['urn:ietf:params:jmap:core']!.maxObjectsInGet!;
  const r = await api(world, token, {
    using: USING,
    methodCalls: [
      ['Email/query', { accountId, filter: { priority: 'haute' } }, 'f'],
      ['Email/query', { accountId, filter: { operator: 'OR', conditions: [{ subject: 'x' }, { sentBefore: 'x' }] } }, 'f2'],
      ['Email/query', { accountId, sort: [{ property: 'sentAt' }] }, 's'],
      ['Email/query', { accountId, filter: { header: [] } }, 'h'],
      ['Email/query', { accountId, filter: { operator: 'XOR', conditions: [] } }, 'o'],
      ['SearchSnippet/get', { accountId, filter: { priority: 'haute' }, emailIds: [ids.A] }, 'sf'],
      ['SearchSnippet/get', { accountId, filter: { text: 'x' }, emailIds: Array.from({ length: max + 1 }, (_, i) => `M${i}`) }, 'big'],
      ['SearchSnippet/get', { accountId, filter: { text: 'x' } }, 'noids'],
      ['Thread/get', { accountId, ids: [], properties: ['subject'] }, 'tp'],
    ],
  });
  assert.equal(r.status, 200);
  const errors = Object.fromEntries(
    (r.json.methodResponses as [string, { type: string }, string][]).map(([name, args, id]) => [id, name === 'error' ? args.type : name]),
  );
  assert.deepEqual(errors, {
    f: 'unsupportedFilter',
    f2: 'unsupportedFilter',
    s: 'unsupportedSort',
    h: 'invalidArguments',
    o: 'invalidArguments',
    sf: 'unsupportedFilter',
    big: 'requestTooLarge',
    noids: 'invalidArguments',
    tp: 'invalidArguments',
  });
});
