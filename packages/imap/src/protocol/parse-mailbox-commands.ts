// Commands that name mailboxes: SELECT/EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST,
// LSUB, STATUS, APPEND, GETQUOTA/GETQUOTAROOT/SETQUOTA.

import type { CommandArgs, ListReturnOptions, ListSelectOptions, QresyncParams, StatusItem } from './ast.ts';
import { BACKSLASH, DQUOTE, LPAREN, RPAREN } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { parseDateTime } from './datetime.ts';
import { ParseError, shown } from './errors.ts';
import { flag, flagList, mailbox, mailboxFromRaw, sequenceSet, statusItems } from './parse-values.ts';

/** SELECT and EXAMINE: `mailbox [SP "(" select-param *(SP select-param) ")"]` (RFC 4466). */
export function selectArguments(c: Cursor): CommandArgs['SELECT'] {
  c.sp();
  const name = mailbox(c);
  let condstore = false;
  let qresync: QresyncParams | null = null;
  if (c.maybeSp()) {
    c.list(
      () => {
        const param = c.keyword('Expected a SELECT parameter');
        if (param === 'CONDSTORE' && !condstore) condstore = true;
        else if (param === 'QRESYNC' && qresync === null) qresync = qresyncParams(c);
        else throw new ParseError(`Unknown SELECT parameter ${shown(param)}`);
      },
      false,
      'Expected SELECT parameters',
    );
  }
  return { mailbox: name, condstore, qresync };
}

/** `SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"` (RFC 7162 §7). */
function qresyncParams(c: Cursor): QresyncParams {
  c.sp();
  c.char(LPAREN, 'Expected (');
  const uidValidity = c.nzNumber('Expected a UIDVALIDITY');
  c.sp();
  const modseq = c.modSequence(false);
  let knownUids = null;
  let seqMatch = null;
  if (c.maybeSp()) {
    if (c.peek() !== LPAREN) knownUids = sequenceSet(c);
    if (c.peek() === LPAREN || (knownUids !== null && c.maybeSp())) {
      c.char(LPAREN, 'Expected (');
      const seqs = sequenceSet(c);
      c.sp();
      const uids = sequenceSet(c);
      c.char(RPAREN, 'Expected )');
      seqMatch = { seqs, uids };
    }
  }
  c.char(RPAREN, 'Expected )');
  return { uidValidity, modseq, knownUids, seqMatch };
}

const SPECIAL_USES = new Map(
  ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash', '\\Important'].map((u) => [u.toUpperCase(), u]),
);

/** `mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"]` (RFC 6154 §3). */
export function createArguments(c: Cursor): CommandArgs['CREATE'] {
  c.sp();
  const name = mailbox(c);
  const specialUse: string[] = [];
  if (c.maybeSp()) {
    c.list(
      () => {
        const param = c.keyword('Expected a CREATE parameter');
        if (param !== 'USE') throw new ParseError(`Unknown CREATE parameter ${shown(param)}`);
        c.sp();
        const uses = c.list(
          () => {
            if (c.peek() !== BACKSLASH) c.fail('Invalid special-use attribute');
            const use = flag(c);
            return SPECIAL_USES.get(use.toUpperCase()) ?? use;
          },
          true,
          'Expected special-use attributes',
        );
        specialUse.push(...uses);
      },
      false,
      'Expected CREATE parameters',
    );
  }
  return { mailbox: name, specialUse };
}

/** DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT. */
export function mailboxArgument(c: Cursor): { mailbox: string } {
  c.sp();
  return { mailbox: mailbox(c) };
}

export function renameArguments(c: Cursor): CommandArgs['RENAME'] {
  c.sp();
  const from = mailbox(c);
  c.sp();
  return { from, to: mailbox(c) };
}

function pattern(c: Cursor): string {
  return mailboxFromRaw(c.listMailboxRaw(), false);
}

function reference(c: Cursor): string {
  return mailboxFromRaw(c.astringRaw('Expected a reference name'), false);
}

/**
 * `["(" select-opts ")" SP] mailbox SP (list-mailbox / "(" patterns ")") [SP RETURN (…)]`
 * (RFC 3501 §6.3.8, RFC 5258, RFC 6154 §2, RFC 5819).
 */
export function listArguments(c: Cursor): CommandArgs['LIST'] {
  c.sp();
  let extended = false;
  const select = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
  if (c.peek() === LPAREN) {
    extended = true;
    for (const option of c.list(() => c.keyword('Expected a selection option'), true, 'Expected selection options')) {
      if (option === 'SUBSCRIBED') select.subscribed = true;
      else if (option === 'REMOTE') select.remote = true;
      else if (option === 'RECURSIVEMATCH') select.recursiveMatch = true;
      else if (option === 'SPECIAL-USE') select.specialUse = true;
      else throw new ParseError(`Unknown LIST selection option ${shown(option)}`);
    }
    // RFC 5258 §3: RECURSIVEMATCH only qualifies another selection option.
    if (select.recursiveMatch && !select.subscribed && !select.specialUse) {
      throw new ParseError('RECURSIVEMATCH needs another selection option');
    }
    c.sp();
  }
  const ref = reference(c);
  c.sp();
  let patterns: string[];
  if (c.peek() === LPAREN) {
    extended = true;
    patterns = c.list(() => pattern(c), false, 'Expected mailbox patterns');
  } else {
    patterns = [pattern(c)];
  }
  const ret = { subscribed: false, children: false, specialUse: false, status: null as StatusItem[] | null };
  if (c.maybeSp()) {
    if (c.keyword('Expected RETURN') !== 'RETURN') throw new ParseError('Expected RETURN');
    extended = true;
    c.sp();
    c.list(
      () => {
        const option = c.keyword('Expected a return option');
        if (option === 'SUBSCRIBED') ret.subscribed = true;
        else if (option === 'CHILDREN') ret.children = true;
        else if (option === 'SPECIAL-USE') ret.specialUse = true;
        else if (option === 'STATUS' && ret.status === null) {
          c.sp();
          ret.status = statusItems(c);
        } else throw new ParseError(`Unknown LIST return option ${shown(option)}`);
      },
      true,
      'Expected return options',
    );
  }
  return {
    reference: ref,
    patterns,
    select: select satisfies ListSelectOptions,
    return: ret satisfies ListReturnOptions,
    extended,
  };
}

export function lsubArguments(c: Cursor): CommandArgs['LSUB'] {
  c.sp();
  const ref = reference(c);
  c.sp();
  return { reference: ref, pattern: pattern(c) };
}

export function statusArguments(c: Cursor): CommandArgs['STATUS'] {
  c.sp();
  const name = mailbox(c);
  c.sp();
  return { mailbox: name, items: statusItems(c) };
}

/** `mailbox [SP flag-list] [SP date-time] SP (literal / literal8)` */
export function appendArguments(c: Cursor): CommandArgs['APPEND'] {
  c.sp();
  const name = mailbox(c);
  c.sp();
  let flags: string[] = [];
  if (c.peek() === LPAREN) {
    flags = flagList(c);
    c.sp();
  }
  let internalDate = null;
  if (c.peek() === DQUOTE) {
    internalDate = parseDateTime(c.quoted());
    if (!internalDate) throw new ParseError('Invalid date-time');
    c.sp();
  }
  if (!c.atLiteral()) c.fail('Expected the message as a literal');
  const literal = c.takeLiteral(true);
  return { mailbox: name, flags, internalDate, message: literal.data, binary: literal.binary };
}

export function getQuotaArguments(c: Cursor): CommandArgs['GETQUOTA'] {
  c.sp();
  return { root: c.astring('Expected a quota root') };
}

/** `SETQUOTA quota-root SP "(" [setquota-resource *(SP setquota-resource)] ")"` (RFC 9208 §6). */
export function setQuotaArguments(c: Cursor): CommandArgs['SETQUOTA'] {
  c.sp();
  const root = c.astring('Expected a quota root');
  c.sp();
  const limits = c.list(
    () => {
      const resource = c.keyword('Expected a quota resource');
      c.sp();
      return [resource, c.modSequence(true)] as const;
    },
    true,
    'Expected a list of quota limits',
  );
  return { root, limits };
}
