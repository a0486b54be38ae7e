// Values several commands share: mailbox names, flags, sequence sets, STATUS items.

import { ATOM, BACKSLASH, SEQUENCE, allChars } from './chars.ts';
import type { Cursor } from './cursor.ts';
import type { StatusItem } from './ast.ts';
import { MailboxNameError, ParseError, shown } from './errors.ts';
import { decodeMailboxName } from './mutf7.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ASCII = /^[\x00-\x7f]*$/;
/** ASCII-only case folding: `ınbox` (dotless i) must not become INBOX as toUpperCase would. */
const INBOX = /^inbox$/i;

/**
 * Raw mailbox bytes → Unicode name. 7-bit names are modified UTF-7 and must be canonical;
 * 8-bit names are taken as UTF-8, as sent by clients that ignore the rule (we never advertise
 * UTF8=ACCEPT, but refusing them helps nobody).
 */
export function mailboxFromRaw(raw: string | Buffer, normaliseInbox = true): string {
  const bytes = typeof raw === 'string' ? raw : raw.toString('latin1');
  let name: string | null;
  if (ASCII.test(bytes)) {
    name = decodeMailboxName(bytes);
    if (name === null) throw new MailboxNameError('Invalid mailbox name: not modified UTF-7');
  } else {
    try {
      name = utf8.decode(Buffer.from(bytes, 'latin1'));
    } catch {
      throw new MailboxNameError('Invalid mailbox name: not UTF-8');
    }
  }
  return normaliseInbox && INBOX.test(name) ? 'INBOX' : name;
}

export function mailbox(c: Cursor): string {
  return mailboxFromRaw(c.astringRaw('Expected a mailbox name'));
}

const SYSTEM_FLAGS = new Map(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '\\Recent'].map((f) => [f.toUpperCase(), f]));

/** `flag`: system flags get their canonical case; keywords are kept as written. */
export function flag(c: Cursor): string {
  if (c.peek() === BACKSLASH) {
    c.pos++;
    const name = '\\' + c.atom('Invalid flag');
    return SYSTEM_FLAGS.get(name.toUpperCase()) ?? name;
  }
  return c.atom('Invalid flag');
}

export function flagList(c: Cursor): string[] {
  return c.list(() => flag(c), true, 'Expected a flag list');
}

/** A flag given as text (e.g. in a MODSEQ entry name), validated and case-normalised. */
export function flagFromText(text: string): string | null {
  const name = text.startsWith('\\') ? text.slice(1) : text;
  if (!allChars(name, ATOM)) return null;
  if (!text.startsWith('\\')) return text;
  return SYSTEM_FLAGS.get(text.toUpperCase()) ?? text;
}

const STATUS_ITEMS = new Set<string>([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'HIGHESTMODSEQ',
  'DELETED',
  'DELETED-STORAGE',
  'SIZE',
  'MAILBOXID',
]);

export function statusItems(c: Cursor): StatusItem[] {
  return c.list(
    () => {
      const item = c.keyword('Expected a status item');
      if (!STATUS_ITEMS.has(item)) throw new ParseError(`Unknown status item ${shown(item)}`);
      return item as StatusItem;
    },
    false,
    'Expected a list of status items',
  );
}

export function sequenceSet(c: Cursor): SequenceSet {
  const token = c.run(SEQUENCE);
  if (token.length === 0) c.fail('Invalid sequence set');
  return parseSequenceSet(token);
}
