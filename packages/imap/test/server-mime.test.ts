// Real-world MIME through the IMAP server: nested multiparts, an IHE_XDM attachment, RFC 2047
// and RFC 2231 headers, 8-bit text — read back with imapflow (BODYSTRUCTURE, ENVELOPE, parts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { D, GP, imapflowClient, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';

let w: ImapWorld;
before(async () => {
  w = await startImapWorld();
});
after(async () => w.close());

const zip = Buffer.from('PK\x03\x04 fake IHE_XDM zip content with a CDA inside', 'latin1');
const MESSAGE = Buffer.from(
  [
    `From: =?UTF-8?B?SsOpcsO0bWUgTcOpZGVjaW4=?= <medecin@${D}>`,
    `To: <${PER}>`,
    'Subject: =?UTF-8?Q?Compte_rendu_d=27hospitalisation_=C3=A9t=C3=A9?=',
    'Date: Tue, 24 Nov 2026 08:30:00 +0100',
    'Message-ID: <cr-42@ch-lilas.test>',
    'X-MSS-CODECDA: 34112-3',
    'X-MSS-INS: O',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Madame, veuillez trouver le compte rendu. Été 2026.',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Madame, veuillez trouver le compte rendu.</p>',
    '--inner--',
    '--outer',
    'Content-Type: application/zip; name="IHE_XDM.ZIP"',
    "Content-Disposition: attachment; filename*=UTF-8''IHE_XDM.ZIP",
    'Content-Transfer-Encoding: base64',
    '',
    zip.toString('base64'),
    '--outer--',
    '',
  ].join('\r\n'),
);

test('BODYSTRUCTURE, ENVELOPE and parts of a real-world message', async () => {
  const c = imapflowClient(w.imap.port, PER, await w.token(GP));
  await c.connect();
  try {
    await c.append('INBOX', MESSAGE);
    const lock = await c.getMailboxLock('INBOX');
    try {
      const msg = await c.fetchOne('*', { envelope: true, bodyStructure: true, size: true });
      assert.ok(msg);
      assert.equal(msg.envelope?.subject, "Compte rendu d'hospitalisation été");
      assert.equal(msg.envelope?.from?.[0]?.name, 'Jérôme Médecin');
      assert.equal(msg.envelope?.messageId, '<cr-42@ch-lilas.test>');
      assert.equal(msg.size, MESSAGE.length);
      const bs = msg.bodyStructure!;
      assert.equal(bs.type, 'multipart/mixed');
      assert.deepEqual(
        bs.childNodes!.map((n) => n.type),
        ['multipart/alternative', 'application/zip'],
      );
      assert.deepEqual(
        bs.childNodes![0]!.childNodes!.map((n) => [n.part, n.type]),
        [
          ['1.1', 'text/plain'],
          ['1.2', 'text/html'],
        ],
      );
      const attachment = bs.childNodes![1]!;
      assert.equal(attachment.part, '2');
      assert.equal(attachment.disposition, 'attachment');
      assert.equal(attachment.dispositionParameters?.filename, 'IHE_XDM.ZIP');
      const { content } = await c.download('*', '2');
      assert.ok(content);
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), zip, 'the attachment decodes to the bytes sent');
      const text = await c.fetchOne('*', { bodyParts: ['1.1'] });
      assert.ok(text);
      assert.match(text.bodyParts!.get('1.1')!.toString('utf8'), /Été 2026/);
      assert.deepEqual(await c.search({ body: 'compte rendu' }), [1]);
      assert.deepEqual(await c.search({ header: { 'x-mss-codecda': '34112-3' } }), [1]);
      assert.deepEqual(await c.search({ subject: 'hospitalisation' }), [1], 'SEARCH looks at the decoded subject');
    } finally {
      lock.release();
    }
  } finally {
    await c.logout();
  }
});
