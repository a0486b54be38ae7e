// ENVELOPE (RFC 3501 §7.4.2): header text as found, not decoded (the client decodes RFC 2047),
// unfolded and trimmed so that it fits a quoted string; 8-bit bytes stay bytes.

import { isGroup, parseAddresses, type RawMailbox } from './address.ts';
import { type HeaderText, cleanValue, headerText, unfold } from './bytes.ts';
import { firstField } from './content-headers.ts';
import type { Address, AddressEntry, Envelope } from './imap-types.ts';
import type { MimeNode } from './types.ts';

/** Present but empty gives "" (RFC 3501: NIL only when absent). */
function text(node: MimeNode, key: string): HeaderText | null {
  const f = firstField(node.fields, key);
  return f ? headerText(cleanValue(f.value)) : null;
}

/**
 * RFC 3501 has no way to say "no domain" (a NIL host marks a group): like Dovecot, the missing
 * piece is named instead.
 */
function address(m: RawMailbox): Address | null {
  if (m.local === null && m.domain === null) return null;
  const name = m.name || m.comment;
  return {
    name: name ? headerText(name) : null,
    adl: m.route ? headerText(m.route) : null,
    mailbox: headerText(m.local ?? 'MISSING_MAILBOX'),
    host: headerText(m.domain ?? 'MISSING_DOMAIN'),
  };
}

/** Absent, empty or unparseable is null (NIL). */
function addressList(node: MimeNode, key: string): AddressEntry[] | null {
  const f = firstField(node.fields, key);
  if (!f) return null;
  const out: AddressEntry[] = [];
  for (const a of parseAddresses(unfold(f.value))) {
    if (isGroup(a)) {
      const members: Address[] = [];
      for (const m of a.members) {
        const converted = address(m);
        if (converted) members.push(converted);
      }
      out.push({ group: headerText(a.group), members });
    } else {
      const converted = address(a);
      if (converted) out.push(converted);
    }
  }
  return out.length > 0 ? out : null;
}

/**
 * The envelope of the message whose header is `node`'s: the root, or the `message` of a
 * message/rfc822 part. Sender and Reply-To default to From when absent or empty (RFC 3501).
 */
export function envelope(node: MimeNode): Envelope {
  const from = addressList(node, 'from');
  return {
    date: text(node, 'date'),
    subject: text(node, 'subject'),
    from,
    sender: addressList(node, 'sender') ?? from,
    replyTo: addressList(node, 'reply-to') ?? from,
    to: addressList(node, 'to'),
    cc: addressList(node, 'cc'),
    bcc: addressList(node, 'bcc'),
    inReplyTo: text(node, 'in-reply-to'),
    messageId: text(node, 'message-id'),
  };
}

export const EMPTY_ENVELOPE: Envelope = {
  date: null,
  subject: null,
  from: null,
  sender: null,
  replyTo: null,
  to: null,
  cc: null,
  bcc: null,
  inReplyTo: null,
  messageId: null,
};
