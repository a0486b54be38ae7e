// Raw HTTP against the JMAP server: the session resource (RFC 8620 §2), the request and its
// errors (§3), result references (§3.7), and the first mail methods (RFC 8621).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CAB, CLAIRE, GP, JULIE, PER, SOPHIE, USING, api, calls, startJmapWorld, type JmapWorld } from './support/world.ts';

let world: JmapWorld;
let gpToken: string;

before(async () => {
  world = await startJmapWorld();
  gpToken = await world.token(GP);
});
after(async () => world.close());

async function session(token: string): Promise<Record<string, any>> {
  const res = await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, any>;
}

describe('session resource (RFC 8620 §2)', () => {
  test('names the capabilities with their limits, the accounts the person may open, and the URLs', async () => {
    const s = await session(gpToken);
    const core = s.capabilities['urn:ietf:params:jmap:core'];
    for (const k of [
      'maxSizeUpload',
      'maxConcurrentUpload',
      'maxSizeRequest',
      'maxConcurrentRequests',
      'maxCallsInRequest',
      'maxObjectsInGet',
      'maxObjectsInSet',
    ]) {
      assert.equal(typeof core[k], 'number', k);
    }
    assert.ok(Array.isArray(core.collationAlgorithms));
    const accounts = Object.entries(s.accounts) as [string, any][];
    assert.deepEqual(
      accounts.map(([, a]) => a.name),
      [PER],
    );
    const [id, account] = accounts[0]!;
    assert.equal(account.isPersonal, true);
    assert.deepEqual(account.accountCapabilities['urn:mss-operator:jmap:mailbox'], { address: PER, type: 'PER', role: 'holder' });
    assert.equal(s.primaryAccounts['urn:ietf:params:jmap:mail'], id);
    assert.equal(s.username, GP);
    assert.match(s.apiUrl, /^http:\/\/127\.0\.0\.1:\d+\/jmap\/api$/);
    assert.match(s.downloadUrl, /\{accountId\}.*\{blobId\}.*\{name\}.*\{type\}/);
    assert.match(s.uploadUrl, /\{accountId\}/);
    assert.match(s.eventSourceUrl, /\{types\}.*\{closeafter\}.*\{ping\}/);
    assert.equal(typeof s.state, 'string');
  });

  test("a CAB's owner gets the CAB as an account, with her role; each account was decided and audited (channel jmap)", async () => {
    const s = await session(await world.token(CLAIRE));
    const names = Object.values(s.accounts).map((a: any) => `${a.name} ${a.accountCapabilities['urn:mss-operator:jmap:mailbox'].role}`);
    assert.ok(names.includes(`${CAB} owner`), names.join(', '));
    const audit = await world.store.audit.list({ idnat: CLAIRE });
    assert.ok(audit.some((r) => r.channel === 'jmap' && r.mailbox === CAB && r.outcome === 'allowed'));
  });

  test('no token, or a bad one: 401 with a Bearer challenge (RFC 6750 §3)', async () => {
    const none = await fetch(`${world.base}/.well-known/jmap`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
    const bad = await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: 'Bearer not.a.token' } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});

describe('the request (RFC 8620 §3)', () => {
  test('Core/echo returns its arguments (§4)', async () => {
    const r = await calls(world, gpToken, [['Core/echo', { hello: true, n: [1, 2] }, 'c1']]);
    assert.deepEqual(r.get('c1'), ['Core/echo', { hello: true, n: [1, 2] }]);
  });

  test('notJSON, notRequest, unknownCapability as problem details (§3.6.1)', async () => {
    const notJson = await api(world, gpToken, null, { raw: '{"using": [' });
    assert.equal(notJson.status, 400);
    assert.match(notJson.type, /^application\/problem\+json/);
    assert.equal(notJson.json.type, 'urn:ietf:params:jmap:error:notJSON');
    const notRequest = await api(world, gpToken, { using: 'core', methodCalls: [] });
    assert.equal(notRequest.json.type, 'urn:ietf:params:jmap:error:notRequest');
    const badCall = await api(world, gpToken, { using: USING, methodCalls: [['Core/echo', [], 'c1']] });
    assert.equal(badCall.json.type, 'urn:ietf:params:jmap:error:notRequest');
    const cap = await api(world, gpToken, { using: ['urn:example:nothing'], methodCalls: [] });
    assert.equal(cap.json.type, 'urn:ietf:params:jmap:error:unknownCapability');
  });

  test('maxCallsInRequest and maxSizeRequest are enforced with the limit error naming them (§3.6.1)', async () => {
    const s = await session(gpToken);
    const core = s.capabilities['urn:ietf:params:jmap:core'];
    const many = Array.from({ length: core.maxCallsInRequest + 1 }, (_, i) => ['Core/echo', {}, `c${i}`]);
    const tooMany = await api(world, gpToken, { using: USING, methodCalls: many });
    assert.equal(tooMany.json.type, 'urn:ietf:params:jmap:error:limit');
    assert.equal(tooMany.json.limit, 'maxCallsInRequest');
    const big = await api(world, gpToken, { using: USING, methodCalls: [['Core/echo', { pad: 'x'.repeat(core.maxSizeRequest) }, 'c1']] });
    assert.equal(big.json.type, 'urn:ietf:params:jmap:error:limit');
    assert.equal(big.json.limit, 'maxSizeRequest');
  });

  test('unknownMethod, a method of a capability not in "using", accountNotFound, invalidArguments (§3.6.2)', async () => {
    const s = await session(gpToken);
    const accountId = s.primaryAccounts['urn:ietf:params:jmap:mail'];
    const r = await calls(world, gpToken, [
      ['Nothing/get', {}, 'a'],
      ['Mailbox/get', { accountId: 'A999999' }, 'b'],
      ['Mailbox/get', { accountId, frobnicate: 1 }, 'c'],
      ['Email/get', { accountId, ids: 'x' }, 'd'],
    ]);
    assert.deepEqual(r.get('a')![1].type, 'unknownMethod');
    assert.equal(r.get('b')![1].type, 'accountNotFound');
    assert.equal(r.get('c')![1].type, 'invalidArguments');
    assert.equal(r.get('d')![1].type, 'invalidArguments');
    const noMail = await api(world, gpToken, { using: ['urn:ietf:params:jmap:core'], methodCalls: [['Mailbox/get', { accountId }, 'x']] });
    assert.equal((noMail.json.methodResponses as any[])[0][1].type, 'unknownMethod');
  });

  test("a delegate gets the delegated mailbox; another person's mailbox is accountNotFound, nothing more (R-AUTH-3, R-DEL-3)", async () => {
    const gp = await session(gpToken);
    const gpAccount = gp.primaryAccounts['urn:ietf:params:jmap:mail'];
    const julie = await session(await world.token(JULIE));
    assert.equal(julie.accounts[gpAccount]?.accountCapabilities['urn:mss-operator:jmap:mailbox'].role, 'delegate');
    const sophieToken = await world.token(SOPHIE);
    const sophie = await session(sophieToken);
    assert.ok(!Object.hasOwn(sophie.accounts, gpAccount));
    const r = await calls(world, sophieToken, [['Mailbox/get', { accountId: gpAccount }, 'a']]);
    assert.deepEqual(r.get('a'), ['error', { type: 'accountNotFound', description: `no account ${gpAccount} in this session` }]);
  });

  test('requestTooLarge past maxObjectsInGet (§5.1)', async () => {
    const s = await session(gpToken);
    const accountId = s.primaryAccounts['urn:ietf:params:jmap:mail'];
    const ids = Array.from({ length: s.capabilities['urn:ietf:params:jmap:core'].maxObjectsInGet + 1 }, (_, i) => `M${i}`);
    const r = await calls(world, gpToken, [['Email/get', { accountId, ids }, 'a']]);
    assert.equal(r.get('a')![1].type, 'requestTooLarge');
  });
});

describe('mail (RFC 8621)', () => {
  test('Mailbox/get lists the folders with their roles; Email/query → Email/get by result reference (RFC 8620 §3.7)', async () => {
    const s = await session(gpToken);
    const accountId = s.primaryAccounts['urn:ietf:params:jmap:mail'];
    // A message delivered as SMTP would: through the account's folder, by the store's ingestion.
    const raw = Buffer.from(
      'From: "Dr Jean Dupont" <jean.dupont@operateur-a.mssante.fr>\r\nTo: paul.martin@operateur-a.mssante.fr\r\n' +
        'Subject: =?UTF-8?B?Q29tcHRlLXJlbmR1IMOpY2hv?=\r\nDate: Tue, 3 Nov 2026 10:00:00 +0100\r\nMessage-ID: <cr1@example.org>\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voici le compte-rendu.\r\n',
    );
    await deliver(raw);
    const r = await calls(world, gpToken, [
      ['Mailbox/get', { accountId }, 'm'],
      ['Email/query', { accountId, filter: { subject: 'compte-rendu' }, sort: [{ property: 'receivedAt', isAscending: false }] }, 'q'],
      ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, fetchTextBodyValues: true }, 'g'],
    ]);
    const boxes = r.get('m')![1].list as any[];
    const inbox = boxes.find((b) => b.role === 'inbox');
    assert.ok(inbox);
    assert.deepEqual(boxes.map((b) => b.role).sort(), ['drafts', 'inbox', 'junk', 'sent', 'trash']);
    const ids = r.get('q')![1].ids as string[];
    assert.equal(ids.length, 1);
    const [email] = r.get('g')![1].list as any[];
    assert.equal(email.subject, 'Compte-rendu écho');
    assert.deepEqual(email.from, [{ name: 'Dr Jean Dupont', email: 'jean.dupont@operateur-a.mssante.fr' }]);
    assert.deepEqual(email.messageId, ['cr1@example.org']);
    assert.equal(email.sentAt, '2026-11-03T10:00:00+01:00');
    assert.deepEqual(email.mailboxIds, { [inbox.id]: true });
    assert.deepEqual(email.keywords, {});
    const part = email.textBody[0].partId;
    assert.equal(email.bodyValues[part].value, 'Bonjour, voici le compte-rendu.\r\n');
    assert.equal(email.preview, 'Bonjour, voici le compte-rendu.');
    // §6.2: the blob downloads as the message's bytes.
    const url = s.downloadUrl
      .replace('{accountId}', accountId)
      .replace('{blobId}', email.blobId)
      .replace('{name}', 'message.eml')
      .replace('{type}', 'message/rfc822');
    const dl = await fetch(url, { headers: { authorization: `Bearer ${gpToken}` } });
    assert.equal(dl.status, 200);
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), raw);
  });
});

describe('Email/copy (RFC 8621 §4.7)', () => {
  test("Claire, delegate of the GP's mailbox, copies a message from it into the CAB's; the original is destroyed on success", async () => {
    await world.gov.grantDelegation({ kind: 'person', idnat: GP }, PER, { delegateIdnat: CLAIRE });
    const token = await world.token(CLAIRE);
    const s = await session(token);
    const ids = Object.entries(s.accounts).map(([id, a]: [string, any]) => [id, a.name] as const);
    const cab = ids.find(([, n]) => n === CAB)![0];
    const own = ids.find(([, n]) => n === PER)![0];
    const inboxOf = async (accountId: string) =>
      ((await calls(world, token, [['Mailbox/query', { accountId, filter: { role: 'inbox' } }, 'm']])).get('m')![1].ids as string[])[0]!;
    const upload = await fetch(s.uploadUrl.replace('{accountId}', own), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
      body: 'From: labo@operateur-b.mssante.fr\r\nSubject: Resultat a partager\r\n\r\nNFS normale.\r\n',
    });
    assert.equal(upload.status, 201);
    const { blobId } = (await upload.json()) as { blobId: string };
    const imported = await calls(world, token, [
      ['Email/import', { accountId: own, emails: { e: { blobId, mailboxIds: { [await inboxOf(own)]: true } } } }, 'i'],
    ]);
    const id = (imported.get('i')![1].created as { e: { id: string } }).e.id;
    const r = await calls(world, token, [
      [
        'Email/copy',
        {
          fromAccountId: own,
          accountId: cab,
          create: { c: { id, mailboxIds: { [await inboxOf(cab)]: true }, keywords: { $flagged: true } } },
          onSuccessDestroyOriginal: true,
        },
        'c',
      ],
      ['Email/get', { accountId: cab, ids: ['#c'], properties: ['subject', 'keywords'] }, 'g'],
      ['Email/get', { accountId: own, ids: [id], properties: ['subject'] }, 'o'],
      ['Email/copy', { fromAccountId: 'A999999', accountId: cab, create: {} }, 'bad'],
    ]);
    assert.equal((r.get('c')![1].created as { c: { id: string } }).c.id, id);
    assert.deepEqual(r.get('c/Email/set')![1].destroyed, [id]);
    assert.deepEqual(r.get('g')![1].list, [{ id, subject: 'Resultat a partager', keywords: { $flagged: true } }]);
    assert.deepEqual(r.get('o')![1].notFound, [id]);
    assert.equal(r.get('bad')![1].type, 'fromAccountNotFound');
  });
});

describe('envelope properties (RFC 8621 §4.1.2)', () => {
  test("from the stored envelope (a message list) they are what the message's bytes say", async () => {
    const s = await session(gpToken);
    const accountId = s.primaryAccounts['urn:ietf:params:jmap:mail'];
    await deliver(
      Buffer.from(
        'From: =?utf-8?q?Dr_H=C3=A9l=C3=A8ne?= <helene@operateur-b.mssante.fr>\r\nSender: secretariat@operateur-b.mssante.fr\r\nReply-To: "Accueil, CH" <accueil@operateur-b.mssante.fr>\r\n' +
          'To: Equipe: paul.martin@operateur-a.mssante.fr, "B. Dupont" <b.dupont@operateur-a.mssante.fr>;\r\nCc: c@operateur-a.mssante.fr\r\n' +
          'Subject: =?ISO-8859-1?Q?R=E9sultats?= du\r\n bilan\r\nDate: Wed, 4 Nov 2026 08:30:00 -0500\r\n' +
          'Message-ID: <env1@example.org>\r\nIn-Reply-To: <env0@example.org>\r\n\r\nTexte.\r\n',
      ),
    );
    const props = ['messageId', 'inReplyTo', 'sender', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt'];
    const r = await calls(world, gpToken, [
      ['Email/query', { accountId, filter: { subject: 'bilan' } }, 'q'],
      ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: props }, 'env'],
      ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: [...props, 'preview'] }, 'raw'],
    ]);
    const fromEnvelope = (r.get('env')![1].list as Record<string, unknown>[])[0]!;
    const { preview, ...fromBytes } = (r.get('raw')![1].list as Record<string, unknown>[])[0]!;
    assert.equal(preview, 'Texte.');
    assert.deepEqual(fromEnvelope, fromBytes);
    assert.equal(fromEnvelope.subject, 'Résultats du bilan');
    assert.deepEqual(fromEnvelope.from, [{ name: 'Dr Hélène', email: 'helene@operateur-b.mssante.fr' }]);
    assert.deepEqual(fromEnvelope.to, [
      { name: null, email: 'paul.martin@operateur-a.mssante.fr' },
      { name: 'B. Dupont', email: 'b.dupont@operateur-a.mssante.fr' },
    ]);
    assert.deepEqual(fromEnvelope.replyTo, [{ name: 'Accueil, CH', email: 'accueil@operateur-b.mssante.fr' }]);
    assert.equal(fromEnvelope.bcc, null);
    assert.equal(fromEnvelope.sentAt, '2026-11-04T08:30:00-05:00');
    assert.deepEqual(fromEnvelope.inReplyTo, ['env0@example.org']);
  });
});

async function deliver(raw: Buffer): Promise<void> {
  const d = await world.access.decide({ principal: { kind: 'person', idnat: GP }, mailbox: PER, action: 'read', channel: 'system' });
  assert.ok(d.allowed);
  const ingested = await world.store.ingest(raw);
  const inbox = (await d.scope.openFolder('INBOX'))!;
  await inbox.transaction((f) => f.appendMessage(ingested));
  world.store.notifyFolderChanged(inbox.id);
}
