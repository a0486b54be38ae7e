// A read receipt the person chose to send (RFC 8098): a multipart/report with a human part and
// the machine-readable disposition, `manual-action/MDN-sent-manually; displayed` (§3.2.6: the
// person clicked), from the mailbox that received the message, to the one address that asked
// (§2.1). The envelope sender is the mailbox, not the null sender §3 recommends: the operator's
// submission binds every sender to the authenticated mailbox and refuses `<>`, as for @mss/client's
// sendReadReceipt (docs/choices.md). Imported into Sent, submitted, and the original marked with
// `$MDNSent` (RFC 3503) so that it is never sent twice.

import { buildMdn } from '@mss/client';
import { CORE, MAIL, SUBMISSION, type JmapClient } from './jmap-client.ts';
import { SetRefused, folders, setKeyword, type FullEmail } from './mail.ts';

/** The MDN's bytes, built by @mss/client (the project's one MDN writer). */
export function mdnMessage(from: string, original: FullEmail): Buffer {
  const id = original.messageId[0];
  return buildMdn({
    from,
    to: original.mdnTo ?? '',
    originalMessageId: id ? `<${id}>` : '<inconnu@invalid>',
    originalSubject: original.subject,
    reportingUa: `${from.split('@')[1] ?? 'operateur'}; mss-webmail`,
  }).raw;
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
              envelope: { mailFrom: { email: from }, rcptTo: [{ email: original.mdnTo }] },
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
