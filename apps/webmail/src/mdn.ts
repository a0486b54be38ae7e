// A read receipt the person chose to send (RFC 8098): a multipart/report with a human part and
// the machine-readable disposition, `manual-action/MDN-sent-manually; displayed` (§3.2.6: the
// person clicked), from the mailbox that received the message, to the one address that asked
// (§2.1), from the null sender (§3). Imported into Sent, submitted, and the original marked with
// `$MDNSent` (RFC 3503) so that it is never sent twice.

import { randomBytes } from 'node:crypto';
import { CORE, MAIL, SUBMISSION, type JmapClient } from './jmap-client.ts';
import { SetRefused, folders, setKeyword, type FullEmail } from './mail.ts';

/** RFC 2047 encoded-word (UTF-8, B) for a header value that is not plain ASCII. */
function headerText(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

export function mdnMessage(from: string, original: FullEmail, now = new Date()): Buffer {
  const boundary = `mdn-${randomBytes(12).toString('hex')}`;
  const domain = from.split('@')[1] ?? 'localhost';
  const originalId = original.messageId[0];
  const lines = [
    `From: <${from}>`,
    `To: <${original.mdnTo}>`,
    `Subject: ${headerText(`Accusé de lecture : ${original.subject}`)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(16).toString('hex')}@${domain}>`,
    ...(originalId ? [`In-Reply-To: <${originalId}>`, `References: <${originalId}>`] : []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Le message « ${original.subject} » envoyé à ${from} a été affiché.`,
    'Cet accusé ne garantit pas que le message a été lu ni compris.',
    '',
    `--${boundary}`,
    'Content-Type: message/disposition-notification',
    '',
    `Reporting-UA: ${domain}; mss-webmail`,
    `Final-Recipient: rfc822;${from}`,
    ...(originalId ? [`Original-Message-ID: <${originalId}>`] : []),
    'Disposition: manual-action/MDN-sent-manually; displayed',
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

export async function sendMdn(jmap: JmapClient, accountId: string, from: string, original: FullEmail): Promise<void> {
  if (!original.mdnTo) return;
  const sent = (await folders(jmap, accountId)).find((f) => f.role === 'sent');
  if (!sent) throw new Error('the account has no sent folder');
  const blob = await jmap.upload(accountId, mdnMessage(from, original), 'message/rfc822');
  const ids = await jmap.call([CORE, MAIL, SUBMISSION], [['Identity/get', { accountId }, 'i']]);
  const identities = (ids.get('i')?.list as { id: string; email: string }[] | undefined) ?? [];
  const identity = identities.find((i) => i.email.toLowerCase() === from.toLowerCase()) ?? identities[0];
  if (!identity) throw new Error('no identity to send as');
  const r = await jmap.call(
    [CORE, MAIL, SUBMISSION],
    [
      [
        'Email/import',
        { accountId, emails: { accuse: { blobId: blob.blobId, mailboxIds: { [sent.id]: true }, keywords: { $seen: true } } } },
        'im',
      ],
      [
        'EmailSubmission/set',
        {
          accountId,
          create: {
            envoi: {
              identityId: identity.id,
              emailId: '#accuse',
              envelope: { mailFrom: { email: '' }, rcptTo: [{ email: original.mdnTo }] },
            },
          },
        },
        'sub',
      ],
    ],
  );
  const notImported = r.get('im')?.notCreated as Record<string, { type: string; description?: string }> | undefined;
  if (notImported && Object.keys(notImported).length) throw new SetRefused(notImported);
  const notSent = r.get('sub')?.notCreated as Record<string, { type: string; description?: string }> | undefined;
  if (notSent && Object.keys(notSent).length) throw new SetRefused(notSent);
  await setKeyword(jmap, accountId, original.id, '$MDNSent', true);
}
