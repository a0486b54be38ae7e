// FETCH attributes (RFC 3501 §6.4.5), BODY[section]<partial>, BINARY (RFC 3516) and the
// CHANGEDSINCE modifier (RFC 7162 §3.1.4).

import type { ByteRange, CommandArgs, FetchItem, Section, SectionText, SimpleFetchItem } from './ast.ts';
import { DOT, GT, LBRACKET, LPAREN, LT, RBRACKET, WORD } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { ParseError, shown } from './errors.ts';
import { sequenceSet } from './parse-values.ts';

const SIMPLE = new Set<string>([
  'ENVELOPE',
  'FLAGS',
  'INTERNALDATE',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.SIZE',
  'RFC822.TEXT',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
  'EMAILID',
  'THREADID',
  'SAVEDATE',
]);

const simple = (...names: SimpleFetchItem[]): FetchItem[] => names.map((item) => ({ item }));
const MACROS: Record<string, readonly FetchItem[]> = {
  ALL: simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'),
  FAST: simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE'),
  FULL: simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'),
};

const SECTION_TEXTS = new Set<string>(['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME']);
const PART = /^[1-9][0-9]{0,9}$/;

/** `sequence-set SP (macro / fetch-att / "(" fetch-att *(SP fetch-att) ")") [modifiers]` */
export function fetchArguments(c: Cursor): CommandArgs['FETCH'] {
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  let items: readonly FetchItem[];
  let macro: 'ALL' | 'FAST' | 'FULL' | null = null;
  if (c.peek() === LPAREN) {
    items = c.list(() => fetchItem(c), false, 'Expected fetch attributes');
  } else {
    const start = c.pos;
    const word = c.run(WORD).toUpperCase();
    if ((word === 'ALL' || word === 'FAST' || word === 'FULL') && c.peek() !== LBRACKET) {
      macro = word;
      items = MACROS[word]!;
    } else {
      c.pos = start;
      items = [fetchItem(c)];
    }
  }
  let changedSince: bigint | null = null;
  let vanished = false;
  if (c.maybeSp()) {
    c.list(
      () => {
        const modifier = c.keyword('Expected a fetch modifier');
        if (modifier === 'VANISHED' && !vanished) {
          vanished = true;
          return;
        }
        if (modifier !== 'CHANGEDSINCE' || changedSince !== null) {
          throw new ParseError(`Unknown fetch modifier ${shown(modifier)}`);
        }
        c.sp();
        // Zero is tolerated: it can only mean "every change", which is what a client means by it.
        changedSince = c.modSequence(true);
      },
      false,
      'Expected fetch modifiers',
    );
  }
  // RFC 7162 §3.2.6: VANISHED only beside CHANGEDSINCE (whether it is a UID FETCH is the session's check).
  if (vanished && changedSince === null) throw new ParseError('VANISHED needs CHANGEDSINCE');
  return { set, items, macro, changedSince, vanished };
}

export function fetchItem(c: Cursor): FetchItem {
  const name = c.run(WORD).toUpperCase();
  if (name.length === 0) c.fail('Expected a fetch attribute');
  if (c.peek() === LBRACKET) {
    switch (name) {
      case 'BODY':
      case 'BODY.PEEK': {
        const section = sectionSpec(c);
        return { item: 'BODY[]', peek: name === 'BODY.PEEK', section, partial: partial(c) };
      }
      case 'BINARY':
      case 'BINARY.PEEK': {
        const part = binarySection(c);
        return { item: 'BINARY[]', peek: name === 'BINARY.PEEK', part, partial: partial(c) };
      }
      case 'BINARY.SIZE':
        return { item: 'BINARY.SIZE', part: binarySection(c) };
    }
  } else if (SIMPLE.has(name)) {
    return { item: name as SimpleFetchItem };
  }
  throw new ParseError(`Unknown fetch attribute ${shown(name)}`);
}

/** `"[" [section-spec] "]"` */
function sectionSpec(c: Cursor): Section {
  c.char(LBRACKET, 'Expected [');
  const spec = c.run(WORD);
  const segments = spec.length === 0 ? [] : spec.split('.');
  const part: number[] = [];
  let k = 0;
  while (k < segments.length && PART.test(segments[k]!) && Number(segments[k]) <= 4294967295) {
    part.push(Number(segments[k]));
    k++;
  }
  let text: SectionText | null = null;
  if (k < segments.length) {
    const rest = segments.slice(k).join('.').toUpperCase();
    if (!SECTION_TEXTS.has(rest) || (rest === 'MIME' && part.length === 0)) {
      throw new ParseError(`Invalid section ${shown(spec)}`);
    }
    text = rest as SectionText;
  }
  let fields: string[] = [];
  if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
    c.sp();
    fields = c.list(() => c.astring('Expected a header name'), false, 'Expected a list of header names');
  }
  c.char(RBRACKET, 'Expected ]');
  return { part, text, fields };
}

/** `"[" [section-part] "]"` */
function binarySection(c: Cursor): number[] {
  c.char(LBRACKET, 'Expected [');
  const spec = c.run(WORD);
  c.char(RBRACKET, 'Expected ]');
  if (spec.length === 0) return [];
  const segments = spec.split('.');
  if (!segments.every((s) => PART.test(s) && Number(s) <= 4294967295)) {
    throw new ParseError(`Invalid section ${shown(spec)}`);
  }
  return segments.map(Number);
}

/** `["<" number "." nz-number ">"]` */
function partial(c: Cursor): ByteRange | null {
  if (c.peek() !== LT) return null;
  c.pos++;
  const offset = c.number('Expected a partial offset');
  c.char(DOT, 'Expected . in partial');
  const length = c.nzNumber('Expected a partial length');
  c.char(GT, 'Expected >');
  return { offset, length };
}
