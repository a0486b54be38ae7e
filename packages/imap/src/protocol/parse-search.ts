// SEARCH criteria (RFC 3501 §6.4.4, with MODSEQ from RFC 7162 §3.1.5).

import type { SearchKey } from './ast.ts';
import { ATOM, DQUOTE, LPAREN, STAR, isDigit } from './chars.ts';
import { type Cursor, text } from './cursor.ts';
import { parseSearchDate, type CalendarDate } from './datetime.ts';
import { ParseError, shown } from './errors.ts';
import { flag, flagFromText, sequenceSet } from './parse-values.ts';

/** Deep enough for any real client, shallow enough that recursion can never blow the stack. */
const MAX_DEPTH = 64;

const FLAG_KEYS = new Set([
  'ALL',
  'ANSWERED',
  'DELETED',
  'DRAFT',
  'FLAGGED',
  'NEW',
  'OLD',
  'RECENT',
  'SEEN',
  'UNANSWERED',
  'UNDELETED',
  'UNDRAFT',
  'UNFLAGGED',
  'UNSEEN',
]);
const STRING_KEYS = new Set(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const DATE_KEYS = new Set(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE']);

/** `[CHARSET astring] 1*(SP search-key)`, positioned after `SEARCH`. */
export function searchArguments(c: Cursor): { charset: string | null; criteria: SearchKey[] } {
  c.sp();
  let charset: string | null = null;
  const start = c.pos;
  if (c.run(ATOM).toUpperCase() !== 'CHARSET') {
    c.pos = start;
  } else {
    c.sp();
    charset = c.astring('Expected a charset').toUpperCase();
    c.sp();
  }
  const criteria = [searchKey(c, 0)];
  while (c.maybeSp()) criteria.push(searchKey(c, 0));
  return { charset, criteria };
}

export function searchKey(c: Cursor, depth: number): SearchKey {
  if (depth > MAX_DEPTH) throw new ParseError('Search criteria nested too deeply');
  const first = c.peek();
  if (first === LPAREN) {
    const keys = c.list(() => searchKey(c, depth + 1), false, 'Expected search criteria');
    return { key: 'AND', keys };
  }
  if (isDigit(first) || first === STAR || first === 0x24) return { key: 'SEQUENCE', set: sequenceSet(c) };
  const key = c.keyword('Expected a search key');
  if (FLAG_KEYS.has(key)) return { key } as SearchKey;
  if (STRING_KEYS.has(key)) {
    c.sp();
    return { key, value: c.astring() } as SearchKey;
  }
  if (DATE_KEYS.has(key)) {
    c.sp();
    return { key, date: searchDate(c) } as SearchKey;
  }
  switch (key) {
    case 'HEADER': {
      c.sp();
      const field = c.astring('Expected a header name');
      c.sp();
      return { key, field, value: c.astring() };
    }
    case 'KEYWORD':
    case 'UNKEYWORD': {
      c.sp();
      const keyword = flag(c);
      if (keyword.startsWith('\\')) throw new ParseError('Invalid keyword');
      return { key, flag: keyword };
    }
    case 'LARGER':
    case 'SMALLER':
      c.sp();
      return { key, size: c.number('Expected a size') };
    case 'UID':
      c.sp();
      return { key, set: sequenceSet(c) };
    case 'NOT':
      c.sp();
      return { key, operand: searchKey(c, depth + 1) };
    case 'OR': {
      c.sp();
      const left = searchKey(c, depth + 1);
      c.sp();
      return { key, left, right: searchKey(c, depth + 1) };
    }
    case 'MODSEQ':
      return modseqKey(c);
    default:
      throw new ParseError(`Unknown search key ${shown(key)}`);
  }
}

function searchDate(c: Cursor): CalendarDate {
  const raw = c.peek() === DQUOTE ? c.quoted() : c.atom('Expected a date');
  const date = parseSearchDate(raw);
  if (!date) throw new ParseError('Invalid date');
  return date;
}

/** `MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer` */
function modseqKey(c: Cursor): SearchKey {
  c.sp();
  let entry: { name: string; type: 'priv' | 'shared' | 'all' } | null = null;
  if (c.peek() === DQUOTE || c.atLiteral()) {
    const name = text(c.stringRaw());
    const flagName = name.toLowerCase().startsWith('/flags/') ? flagFromText(name.slice(7)) : null;
    if (flagName === null) throw new ParseError('Invalid MODSEQ entry name');
    c.sp();
    const type = c.keyword('Expected an entry type').toLowerCase();
    if (type !== 'priv' && type !== 'shared' && type !== 'all') throw new ParseError('Invalid MODSEQ entry type');
    c.sp();
    entry = { name: `/flags/${flagName}`, type };
  }
  return { key: 'MODSEQ', modseq: c.modSequence(true), entry };
}
