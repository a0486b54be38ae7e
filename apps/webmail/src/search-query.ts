// The search box as an RFC 8621 §4.4.1 filter. Words are looked for separately (all must be
// found, anywhere `text` looks: From, To, Cc, Bcc, Subject, body); "quoted words" as one phrase;
// a few prefixes narrow a word to a field, as French webmails write them.
//   de:anne        → from          à:/a:secretariat → to
//   objet:bilan    → subject       corps:glycémie   → body
//   pj  /  pj:oui  → hasAttachment true              non-lu → notKeyword $seen

const FIELDS: Record<string, string> = { de: 'from', à: 'to', a: 'to', objet: 'subject', corps: 'body' };

/** The filter of a search typed by the reader, within a Mailbox when given; undefined for an empty search. */
export function searchFilter(q: string, inMailbox?: string): Record<string, unknown> | undefined {
  const conditions: Record<string, unknown>[] = [];
  for (const m of q.matchAll(/(?:([\p{L}-]+):)?(?:"([^"]*)"|(\S+))/gu)) {
    const prefix = m[1]?.toLowerCase();
    const word = m[2] ?? m[3] ?? '';
    if (prefix === undefined && (word.toLowerCase() === 'pj' || word.toLowerCase() === 'non-lu')) {
      conditions.push(word.toLowerCase() === 'pj' ? { hasAttachment: true } : { notKeyword: '$seen' });
    } else if (prefix === 'pj') {
      conditions.push({ hasAttachment: !['non', 'no', 'false'].includes(word.toLowerCase()) });
    } else if (prefix !== undefined && FIELDS[prefix]) {
      if (word) conditions.push({ [FIELDS[prefix]!]: word });
    } else {
      const text = prefix !== undefined ? `${m[1]}:${word}` : word;
      if (text) conditions.push({ text });
    }
  }
  if (conditions.length === 0) return undefined;
  if (inMailbox) conditions.push({ inMailbox });
  return conditions.length === 1 ? conditions[0] : { operator: 'AND', conditions };
}
