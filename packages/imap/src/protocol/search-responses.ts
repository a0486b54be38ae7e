// The untagged answers of SEARCH (RFC 3501 §7.2.5), ESEARCH (RFC 4731 §3.2, and RFC 9051
// §7.3.4 where IMAP4rev2 answers every SEARCH so), SORT and THREAD (RFC 5256 §4). Numbers only:
// no client data reaches these lines except the tag, which the grammar keeps free of quotes.

import type { SearchReturn } from './ast.ts';
import { compactSequenceSet } from './sequence-set.ts';

/** `* SEARCH 2 3 5` — with ` (MODSEQ n)` when the criteria used MODSEQ (RFC 7162 §3.1.5). */
export function searchResponse(numbers: readonly number[], modseq: number | null = null): Buffer {
  const list = numbers.length ? ` ${numbers.join(' ')}` : '';
  const tail = modseq !== null && numbers.length ? ` (MODSEQ ${modseq})` : '';
  return Buffer.from(`* SEARCH${list}${tail}\r\n`, 'latin1');
}

export interface EsearchResult {
  /** The command's tag (`(TAG "…")` correlates the answer, RFC 4731 §3.2). */
  readonly tag: string;
  /** Numbers are UIDs (`UID SEARCH`). */
  readonly uid: boolean;
  /** The matches in ascending order. */
  readonly matches: readonly number[];
  readonly options: SearchReturn;
  /**
   * Highest MODSEQ of the messages the answer names (RFC 7162 §3.1.5), null when the criteria
   * did not use MODSEQ; left out when the answer names no message.
   */
  readonly modseq: number | null;
}

/**
 * `* ESEARCH (TAG "a") [UID] [MIN n] [MAX n] [ALL set] [COUNT n] [MODSEQ n]` (Dovecot's order; the
 * RFC fixes none). With no match, MIN, MAX and ALL are left out and COUNT is 0 (RFC 4731 §3.1).
 */
export function esearchResponse(r: EsearchResult): Buffer {
  let line = `* ESEARCH (TAG "${r.tag}")`;
  if (r.uid) line += ' UID';
  const n = r.matches.length;
  if (n > 0 && r.options.min) line += ` MIN ${r.matches[0]}`;
  if (n > 0 && r.options.max) line += ` MAX ${r.matches[n - 1]}`;
  if (n > 0 && r.options.all) line += ` ALL ${compactSequenceSet(r.matches)}`;
  if (r.options.count) line += ` COUNT ${n}`;
  if (r.modseq !== null && n > 0 && (r.options.all || r.options.min || r.options.max || r.options.count)) line += ` MODSEQ ${r.modseq}`;
  return Buffer.from(`${line}\r\n`, 'latin1');
}

/** `* SORT 5 3 4` in the sorted order (RFC 5256 §4). */
export function sortResponse(numbers: readonly number[]): Buffer {
  return Buffer.from(`* SORT${numbers.length ? ` ${numbers.join(' ')}` : ''}\r\n`, 'latin1');
}

/** A thread as RFC 5256 draws it: a message (or, at the top only, a dummy: null) and its replies. */
export interface ThreadNode {
  readonly id: number | null;
  readonly children: readonly ThreadNode[];
}

/**
 * `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256 §4): a message with one reply continues its
 * list, several replies become one parenthesised list each; a dummy has no number.
 */
export function threadResponse(threads: readonly ThreadNode[]): Buffer {
  let out = '* THREAD';
  if (threads.length) out += ' ';
  // Iterative: a long chain of replies must not cost a stack frame per message.
  const work: (ThreadNode | string)[] = [];
  for (let i = threads.length - 1; i >= 0; i--) work.push(threads[i]!);
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    out += '(';
    let node = item;
    let first = true;
    for (;;) {
      if (node.id !== null) {
        out += (first ? '' : ' ') + node.id;
        first = false;
      }
      if (node.children.length === 1) {
        node = node.children[0]!;
        continue;
      }
      if (node.children.length > 1) {
        if (!first) out += ' ';
        work.push(')');
        for (let i = node.children.length - 1; i >= 0; i--) work.push(node.children[i]!);
        break;
      }
      work.push(')');
      break;
    }
  }
  return Buffer.from(`${out}\r\n`, 'latin1');
}
