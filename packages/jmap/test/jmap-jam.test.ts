// An independent JMAP client from npm (jmap-jam) against the server over real HTTP: it reads the
// session resource, then makes RFC 8621 calls, with result references, uploads and downloads.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GP, PER, startJmapWorld, type JmapWorld } from './support/world.ts';

// jmap-jam's types pull in jmap-rfc-types' TypeScript sources, which use enums our compiler
// settings refuse (erasableSyntaxOnly): the client is loaded by a name tsc does not follow.
const JAM = 'jmap-jam';
let world: JmapWorld;
let jam: any;

before(async () => {
  world = await startJmapWorld();
  const { default: JamClient } = (await import(JAM)) as { default: new (c: { sessionUrl: string; bearerToken: string }) => any };
  jam = new JamClient({ sessionUrl: `${world.base}/.well-known/jmap`, bearerToken: await world.token(GP) });
});
after(async () => world.close());

test('jmap-jam reads the session and lists the mailboxes of the primary account (RFC 8620 §2, RFC 8621 §2.1)', async () => {
  const session = await jam.session;
  const accountId = await jam.getPrimaryAccount();
  assert.equal(session.accounts[accountId]?.name, PER);
  const [mailboxes] = await jam.api.Mailbox.get({ accountId });
  assert.deepEqual(mailboxes.list.map((m: { role: string }) => m.role).sort(), ['drafts', 'inbox', 'junk', 'sent', 'trash']);
});

test('jmap-jam uploads a message, imports it, finds it by query and reads it back with a result reference (RFC 8621 §4.8, §4.4, §4.2)', async () => {
  const accountId = await jam.getPrimaryAccount();
  const raw =
    'From: secretariat@operateur-a.mssante.fr\r\nTo: paul.martin@operateur-a.mssante.fr\r\nSubject: Rendez-vous jam\r\n\r\nMardi 14h.\r\n';
  const upload = await jam.uploadBlob(accountId, new Blob([raw], { type: 'message/rfc822' }));
  assert.equal(upload.size, raw.length);
  const [boxes] = await jam.api.Mailbox.query({ accountId, filter: { role: 'inbox' } });
  const inbox = boxes.ids[0]!;
  const [imported] = await jam.api.Email.import({
    accountId,
    emails: { e1: { blobId: upload.blobId, mailboxIds: { [inbox]: true }, keywords: { $seen: true } } },
  });
  const id = imported.created?.e1?.id;
  assert.ok(id);
  const [results] = await jam.requestMany((t: any) => {
    const q = t.Email.query({ accountId, filter: { inMailbox: inbox, subject: 'jam' } });
    const g = t.Email.get({ accountId, ids: q.$ref('/ids'), properties: ['subject', 'keywords', 'mailboxIds', 'blobId'] });
    return { q, g };
  });
  assert.deepEqual(results.q.ids, [id]);
  const email = results.g.list[0]!;
  assert.equal(email.subject, 'Rendez-vous jam');
  assert.deepEqual(email.keywords, { $seen: true });
  const dl = await jam.downloadBlob({ accountId, blobId: email.blobId!, mimeType: 'message/rfc822', fileName: 'm.eml' });
  assert.equal(await dl.text(), raw);
});
