// SORT (RFC 5256 §3): the order of messages by a list of keys. Pure: the caller gathers each
// message's keys (sort-keys.ts) and prints the result.

import type { SortCriterion } from '../protocol/index.ts';

/** What the sort keys of one message compare. Strings are collation keys (`collationKey`). */
export interface SortableMessage {
  /** Position in the mailbox: the last tie-breaker (RFC 5256 §3, "the order in which they appear"). */
  readonly seq: number;
  /** INTERNALDATE, ms (ARRIVAL). */
  readonly arrival: number;
  /** The sent date of RFC 5256 §2.2, ms: the `Date:` field, or INTERNALDATE when it has none. */
  readonly sent: number;
  /** RFC822.SIZE */
  readonly size: number;
  /** Base subject (RFC 5256 §2.1), as a collation key. */
  readonly subject: string;
  /** addr-mailbox (local part) of the first From, To and Cc address, collation keys; '' when none. */
  readonly from: string;
  readonly to: string;
  readonly cc: string;
}

/**
 * i;ascii-casemap (RFC 4790 §9.2), the collation RFC 5256 compares strings with by default:
 * ASCII letters folded to upper case, everything else compared by code point (as UTF-8 would).
 */
export function collationKey(text: string): string {
  return text.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Code point order (JS `<` compares UTF-16 units, which puts U+E000–U+FFFF after astral characters). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function compareBy(criterion: SortCriterion, a: SortableMessage, b: SortableMessage): number {
  switch (criterion.key) {
    case 'ARRIVAL':
      return a.arrival - b.arrival;
    case 'DATE':
      return a.sent - b.sent;
    case 'SIZE':
      return a.size - b.size;
    case 'SUBJECT':
      return compareText(a.subject, b.subject);
    case 'FROM':
      return compareText(a.from, b.from);
    case 'TO':
      return compareText(a.to, b.to);
    case 'CC':
      return compareText(a.cc, b.cc);
  }
}

/** The messages in SORT order: each key in turn, REVERSE flipping only its own key, then mailbox order. */
export function sortMessages<T extends SortableMessage>(messages: readonly T[], criteria: readonly SortCriterion[]): T[] {
  return [...messages].sort((a, b) => {
    for (const criterion of criteria) {
      const d = compareBy(criterion, a, b);
      if (d !== 0) return criterion.reverse ? -d : d;
    }
    return a.seq - b.seq;
  });
}
