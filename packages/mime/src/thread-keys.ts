// What a message says about the conversation it belongs to, as the store's threading reads it
// (JMAP threads, RFC 8621 §3): its own Message-ID, the ids it answers (References, In-Reply-To,
// RFC 5322 §3.6.4) and its subject reduced to what replies and forwards keep of it.

import { baseSubject } from './base-subject.ts';
import { decodedHeader, unfoldedHeader } from './headers.ts';
import { messageIds } from './message-ids.ts';
import type { MimeNode } from './types.ts';

export interface ThreadKeys {
  /** The first well-formed msg-id of Message-ID, when there is one. */
  readonly messageId: string | null;
  /** The msg-ids of References then any of In-Reply-To not already there: oldest ancestor first, parent last. */
  readonly references: readonly string[];
  /** `threadSubject` of the Subject field. */
  readonly subject: string;
}

/** Ids longer than this are not kept for threading (a store index holds them; real ones are far shorter). */
const MAX_ID = 250;
/** Ancestors kept: the nearest ones, which decide; a References of thousands costs no more. */
const MAX_REFERENCES = 50;

/**
 * The prefixes mail software writes before a subject it answers or forwards, beyond RFC 5256's
 * `Re:` and `Fw:`/`Fwd:`: the French `TR:` (transféré) and `RE :` with a space before the colon,
 * German `AW:`/`WG:`, and a `[n]` counter (`Re[2]:`). Stripped repeatedly, list tags before them too.
 */
const PREFIX = /^\s*(?:\[[^\]]*\]\s*)*(?:re|fwd?|tr|aw|wg|réf)\s*(?:\[\d+\])?\s*:\s*/i;

/**
 * The subject two messages of one conversation share: prefixes of replies and forwards removed
 * (above, then RFC 5256 §2.1's base subject for `(fwd)` trailers and `[fwd: …]`), white space
 * collapsed, lower-cased. `RE : Résultats` and `TR: Re: résultats` give the same.
 */
export function threadSubject(subject: string | null): string {
  let s = (subject ?? '').replace(/\s+/g, ' ');
  for (;;) {
    const before = s;
    for (let m = PREFIX.exec(s); m && m[0].length < s.length; m = PREFIX.exec(s)) s = s.slice(m[0].length);
    s = baseSubject(s).base;
    if (s === before) break;
  }
  return s.trim().toLowerCase();
}

export function threadKeys(root: MimeNode): ThreadKeys {
  const own = messageIds(unfoldedHeader(root, 'Message-ID'))[0];
  const refs = messageIds(unfoldedHeader(root, 'References'));
  for (const id of messageIds(unfoldedHeader(root, 'In-Reply-To'))) if (!refs.includes(id)) refs.push(id);
  return {
    messageId: own !== undefined && own.length <= MAX_ID ? own : null,
    references: refs.filter((id) => id.length <= MAX_ID && id !== own).slice(-MAX_REFERENCES),
    subject: threadSubject(decodedHeader(root, 'Subject')),
  };
}
