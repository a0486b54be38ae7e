// Commands on messages of the selected mailbox, other than FETCH and SEARCH: STORE, COPY, MOVE,
// UID EXPUNGE.

import type { CommandArgs } from './ast.ts';
import { LPAREN, WORD } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { ParseError, shown } from './errors.ts';
import { flag, flagList, mailbox, sequenceSet } from './parse-values.ts';

/** `sequence-set [SP "(" UNCHANGEDSINCE n ")"] SP (["+"/"-"] "FLAGS" [".SILENT"]) SP flags` */
export function storeArguments(c: Cursor): CommandArgs['STORE'] {
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  let unchangedSince: bigint | null = null;
  if (c.peek() === LPAREN) {
    c.list(
      () => {
        const modifier = c.keyword('Expected a store modifier');
        if (modifier !== 'UNCHANGEDSINCE' || unchangedSince !== null) {
          throw new ParseError(`Unknown store modifier ${shown(modifier)}`);
        }
        c.sp();
        unchangedSince = c.modSequence(true);
      },
      false,
      'Expected store modifiers',
    );
    c.sp();
  }
  let operation: 'replace' | 'add' | 'remove' = 'replace';
  if (c.peek() === 0x2b) operation = 'add';
  else if (c.peek() === 0x2d) operation = 'remove';
  if (operation !== 'replace') c.pos++;
  const item = c.run(WORD).toUpperCase();
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') c.fail('Expected FLAGS, +FLAGS or -FLAGS');
  c.sp();
  let flags: string[];
  if (c.peek() === LPAREN) {
    flags = flagList(c);
  } else {
    flags = [flag(c)];
    while (c.maybeSp()) flags.push(flag(c));
  }
  return { set, operation, silent: item === 'FLAGS.SILENT', flags, unchangedSince };
}

/** COPY and MOVE: `sequence-set SP mailbox` */
export function copyArguments(c: Cursor): CommandArgs['COPY'] {
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  return { set, mailbox: mailbox(c) };
}

export function expungeArguments(c: Cursor, uid: boolean): CommandArgs['EXPUNGE'] {
  if (!uid) return { uids: null };
  c.sp();
  return { uids: sequenceSet(c) };
}
