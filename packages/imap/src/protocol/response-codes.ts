// Response codes (RFC 3501 §7.1, RFC 5530, UIDPLUS RFC 4315, CONDSTORE RFC 7162) as the
// `[…]` of a status line: `tagged(tag, 'NO', 'No such mailbox', code.simple('TRYCREATE'))`.

import { atom, type ImapValue, raw } from './encoder.ts';
import type { EncodedCode } from './encoder.ts';
import { compactSequenceSet } from './sequence-set.ts';

export type SimpleCode =
  | 'ALERT'
  | 'PARSE'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'TRYCREATE'
  | 'UIDNOTSTICKY'
  | 'NOMODSEQ'
  | 'CLOSED'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'EXPIRED'
  | 'PRIVACYREQUIRED'
  | 'CONTACTADMIN'
  | 'NOPERM'
  | 'INUSE'
  | 'EXPUNGEISSUED'
  | 'CORRUPTION'
  | 'SERVERBUG'
  | 'CLIENTBUG'
  | 'CANNOT'
  | 'LIMIT'
  | 'OVERQUOTA'
  | 'ALREADYEXISTS'
  | 'NONEXISTENT'
  | 'UNAVAILABLE'
  | 'TOOBIG'
  | 'HASCHILDREN'
  | 'USEATTR'
  /** RFC 3516 §3 */
  | 'UNKNOWN-CTE';

function uidSet(uids: readonly number[]): ImapValue {
  if (uids.length === 0) throw new TypeError('a UID set cannot be empty');
  return raw(compactSequenceSet(uids));
}

export const code = {
  simple: (name: SimpleCode): EncodedCode => [name],
  uidValidity: (n: number): EncodedCode => ['UIDVALIDITY', n],
  uidNext: (n: number): EncodedCode => ['UIDNEXT', n],
  unseen: (seq: number): EncodedCode => ['UNSEEN', seq],
  highestModseq: (n: number | bigint): EncodedCode => ['HIGHESTMODSEQ', n],
  permanentFlags: (flags: readonly string[]): EncodedCode => ['PERMANENTFLAGS', flags.map(atom)],
  capability: (capabilities: readonly string[]): EncodedCode => ['CAPABILITY', ...capabilities.map(atom)],
  badCharset: (charsets: readonly string[] = []): EncodedCode =>
    charsets.length > 0 ? ['BADCHARSET', charsets.map(atom)] : ['BADCHARSET'],
  /** UIDPLUS: the UIDs given to appended messages, in order. */
  appendUid: (uidValidity: number, uids: readonly number[]): EncodedCode => ['APPENDUID', uidValidity, uidSet(uids)],
  /** UIDPLUS: source and destination UIDs, element i of one matching element i of the other. */
  copyUid: (uidValidity: number, source: readonly number[], destination: readonly number[]): EncodedCode => {
    if (source.length !== destination.length) throw new TypeError('COPYUID sets differ in length');
    return ['COPYUID', uidValidity, uidSet(source), uidSet(destination)];
  },
  /** OBJECTID (RFC 8474 §4): the folder's MAILBOXID, on SELECT/EXAMINE and CREATE. */
  mailboxId: (id: string): EncodedCode => ['MAILBOXID', raw(`(${id})`)],
  /** CONDSTORE: messages that failed UNCHANGEDSINCE. */
  modified: (numbers: readonly number[]): EncodedCode => ['MODIFIED', uidSet(numbers)],
};
