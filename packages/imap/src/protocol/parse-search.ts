// SEARCH criteria (RFC 3501 §6.4.4, with MODSEQ from RFC 7162 §3.1.5 and OLDER/YOUNGER from
// RFC 5032), SEARCH RETURN options (RFC 4731 §3.1), and the SORT and THREAD commands that take
// the same criteria (RFC 5256 §3).

import type { SearchKey, SearchReturn, SortCriterion, SortKey, ThreadAlgorithm } from './ast.ts';
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
  'SAVEDATESUPPORTED',
]);
const STRING_KEYS = new Set(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const DATE_KEYS = new Set(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE', 'SAVEDBEFORE', 'SAVEDON', 'SAVEDSINCE']);
/** RFC 8474 §6 `objectid`. */
const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;

const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT']);
const SORT_KEYS = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO']);
const THREAD_ALGORITHMS = new Set<string>(['ORDEREDSUBJECT', 'REFERENCES']);

/** `[SP "RETURN" SP "(" [opt *(SP opt)] ")"] SP [CHARSET astring SP] search-key *(SP search-key)`. */
export function searchArguments(c: Cursor): { charset: string | null; criteria: SearchKey[]; return: SearchReturn | null } {
  c.sp();
  let returned: SearchReturn | null = null;
  let charset: string | null = null;
  let start = c.pos;
  let word = c.run(ATOM).toUpperCase();
  if (word === 'RETURN') {
    c.sp();
    returned = returnOptions(c);
    c.sp();
    start = c.pos;
    word = c.run(ATOM).toUpperCase();
  }
  if (word !== 'CHARSET') {
    c.pos = start;
  } else {
    c.sp();
    charset = c.astring('Expected a charset').toUpperCase();
    c.sp();
  }
  return { charset, criteria: searchProgram(c), return: returned };
}

/** RFC 4731 §3.1; SAVE (RFC 5182, SEARCHRES) is not offered, so it is as unknown as any other. */
function returnOptions(c: Cursor): SearchReturn {
  const options = c.list(
    () => {
      const option = c.keyword('Expected a RETURN option');
      if (!RETURN_OPTIONS.has(option)) throw new ParseError(`Unknown RETURN option ${shown(option)}`);
      return option;
    },
    true,
    'Expected RETURN options',
  );
  if (options.length === 0) return { min: false, max: false, all: true, count: false };
  return { min: options.includes('MIN'), max: options.includes('MAX'), all: options.includes('ALL'), count: options.includes('COUNT') };
}

function searchProgram(c: Cursor): SearchKey[] {
  const criteria = [searchKey(c, 0)];
  while (c.maybeSp()) criteria.push(searchKey(c, 0));
  return criteria;
}

/** `search-charset`: an atom or a quoted string (RFC 5256 §5), upper-cased. */
function searchCharset(c: Cursor): string {
  return c.astring('Expected a charset').toUpperCase();
}

/** `SP sort-criteria SP search-charset 1*(SP search-key)` (RFC 5256 §5), after `SORT`. */
export function sortArguments(c: Cursor): { sort: SortCriterion[]; charset: string; criteria: SearchKey[] } {
  c.sp();
  const sort = c.list(
    () => {
      let key = c.keyword('Expected a sort key');
      let reverse = false;
      if (key === 'REVERSE') {
        reverse = true;
        c.sp();
        key = c.keyword('Expected a sort key');
      }
      if (!SORT_KEYS.has(key)) throw new ParseError(`Unknown sort key ${shown(key)}`);
      return { key: key as SortKey, reverse };
    },
    false,
    'Expected sort criteria',
  );
  c.sp();
  const charset = searchCharset(c);
  c.sp();
  return { sort, charset, criteria: searchProgram(c) };
}

/** `SP thread-alg SP search-charset 1*(SP search-key)` (RFC 5256 §5), after `THREAD`. */
export function threadArguments(c: Cursor): { algorithm: ThreadAlgorithm; charset: string; criteria: SearchKey[] } {
  c.sp();
  const algorithm = c.keyword('Expected a threading algorithm');
  if (!THREAD_ALGORITHMS.has(algorithm)) throw new ParseError(`Unknown threading algorithm ${shown(algorithm)}`);
  c.sp();
  const charset = searchCharset(c);
  c.sp();
  return { algorithm: algorithm as ThreadAlgorithm, charset, criteria: searchProgram(c) };
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
    case 'OLDER':
    case 'YOUNGER':
      c.sp();
      return { key, seconds: c.nzNumber('Expected an interval in seconds') };

    case 'EMAILID':
    case 'THREADID': {
      c.sp();
      const id = c.atom('Expected an object id');
      if (!OBJECT_ID.test(id)) throw new ParseError('Invalid object id');
      return { key, id };
    }
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
