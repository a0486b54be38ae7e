// ENVELOPE (RFC 3501 §7.4.2) of a parsed message: its stored (neutral) form, written as IMAP
// wants it by `envelopeOfStored` (stored.ts), which holds the rules.

import { envelopeOfStored, storedEnvelope } from './stored.ts';
import type { Envelope } from './imap-types.ts';
import type { MimeNode } from './types.ts';

export { EMPTY_ENVELOPE } from './stored.ts';

/**
 * The envelope of the message whose header is `node`'s: the root, or the `message` of a
 * message/rfc822 part. Sender and Reply-To default to From when absent or empty (RFC 3501).
 */
export function envelope(node: MimeNode): Envelope {
  return envelopeOfStored(storedEnvelope(node));
}
