// RFC 8621 §4.1.1: keywords and IMAP flags. The four system flags JMAP names map to `$seen`,
// `$flagged`, `$answered`, `$draft`; other IMAP keywords are JMAP keywords as they are, lower
// case (keywords are case-insensitive). `\Deleted` has no JMAP keyword: it is not shown, and a
// keywords update keeps it, so a JMAP client never undoes an IMAP client's pending expunge.

import { parseFlags } from '@mss/store';

const SYSTEM: Record<string, string> = { '\\seen': '$seen', '\\flagged': '$flagged', '\\answered': '$answered', '\\draft': '$draft' };
const TO_IMAP: Record<string, string> = { $seen: '\\Seen', $flagged: '\\Flagged', $answered: '\\Answered', $draft: '\\Draft' };
const KEPT = new Set(['\\deleted']);

/** RFC 8621 §4.1.1 keyword syntax: 1–255 of %x21–%x7E without `( ) { ] % * " \`. */
const KEYWORD = /^[\x21-\x7e]{1,255}$/;
const FORBIDDEN = /[(){\]%*"\\]/;

export function isKeyword(k: string): boolean {
  return KEYWORD.test(k) && !FORBIDDEN.test(k);
}

export function keywordsOfFlags(flags: string): Record<string, true> {
  const out: Record<string, true> = {};
  for (const f of parseFlags(flags)) {
    const lower = f.toLowerCase();
    if (SYSTEM[lower]) out[SYSTEM[lower]] = true;
    else if (!lower.startsWith('\\')) out[lower] = true;
  }
  return out;
}

/** The IMAP flags for `keywords`, keeping the flags JMAP does not show (`\Deleted`) from `current`. */
export function flagsOfKeywords(keywords: Iterable<string>, current: string): string[] {
  const kept = parseFlags(current).filter((f) => KEPT.has(f.toLowerCase()));
  return [...kept, ...[...keywords].map((k) => TO_IMAP[k.toLowerCase()] ?? k.toLowerCase())];
}

/** Whether `keywordsOfFlags(flags)` has `keyword`, without making it (a folder's counts ask it of every row). */
export function hasKeyword(flags: string, keyword: string): boolean {
  if (flags === '') return false;
  const k = keyword.toLowerCase();
  for (const f of parseFlags(flags)) {
    const lower = f.toLowerCase();
    const mapped = SYSTEM[lower] ? SYSTEM[lower] : lower.startsWith('\\') ? undefined : lower;
    if (mapped === k) return true;
  }
  return false;
}
