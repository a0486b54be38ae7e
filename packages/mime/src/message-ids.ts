// msg-id lists (RFC 5322 §3.6.4: Message-ID, In-Reply-To, References), as threading reads them.

import { withoutComments } from './comments.ts';

const MSG_ID = /<([^<>\s]+@[^<>\s]+)>/g;

/**
 * The msg-ids of a field, in order, without their angle brackets; only well-formed ones
 * (`<left@right>`), so phrases that old software put in In-Reply-To are passed over. Folding
 * white space inside an id (seen after careless line wrapping) is removed.
 */
export function messageIds(value: string | null): string[] {
  if (!value) return [];
  const text = withoutComments(value).replace(/<([^<>]*)>/g, (_m, inner: string) => `<${inner.replace(/\s+/g, '')}>`);
  return [...text.matchAll(MSG_ID)].map((m) => m[1]!);
}
