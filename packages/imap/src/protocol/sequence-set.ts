// Sequence sets (RFC 3501 §9 `sequence-set`): parsed as written, resolved against the mailbox
// once `*` is known, kept as sorted disjoint intervals so `1:4294967295` costs two numbers.

import { ParseError } from './errors.ts';

export const MAX_UINT32 = 4294967295;

/** `*`: the largest number in use (last message, or highest UID). */
export type SeqNumber = number | '*';

export interface SequenceRange {
  readonly from: SeqNumber;
  /** Equal to `from` for a single number. */
  readonly to: SeqNumber;
}

export interface SequenceSet {
  readonly ranges: readonly SequenceRange[];
}

const NZ_NUMBER = /^[1-9][0-9]{0,9}$/;

function seqNumber(text: string): SeqNumber {
  if (text === '*') return '*';
  if (!NZ_NUMBER.test(text)) throw new ParseError('Invalid sequence set');
  const n = Number(text);
  if (n > MAX_UINT32) throw new ParseError('Invalid sequence set');
  return n;
}

/** Parses `1:3,5,7:*`. `$` (SEARCHRES) is refused: we do not advertise it. */
export function parseSequenceSet(text: string): SequenceSet {
  if (text.includes('$')) throw new ParseError('Invalid sequence set: $ (SEARCHRES) is not supported');
  if (text.length === 0) throw new ParseError('Invalid sequence set');
  const ranges: SequenceRange[] = [];
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    if (colon === -1) {
      const n = seqNumber(item);
      ranges.push({ from: n, to: n });
    } else {
      ranges.push({ from: seqNumber(item.slice(0, colon)), to: seqNumber(item.slice(colon + 1)) });
    }
  }
  return { ranges };
}

/** Writes a parsed set back as it was given (ranges in the client's order and orientation). */
export function formatSequenceSet(set: SequenceSet): string {
  return set.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(',');
}

/**
 * Compact form of a list of numbers, runs of consecutive ascending numbers becoming `a:b`:
 * `[1,2,3,5,7,8,9]` → `1:3,5,7:9`. The order is kept (not sorted) so that the two sets of a
 * COPYUID response still pair up element by element.
 */
export function compactSequenceSet(numbers: Iterable<number>): string {
  let out = '';
  let start = -1;
  let prev = -1;
  for (const n of numbers) {
    if (start !== -1 && n === prev + 1) {
      prev = n;
      continue;
    }
    if (start !== -1) out += (out ? ',' : '') + (start === prev ? `${start}` : `${start}:${prev}`);
    start = prev = n;
  }
  if (start !== -1) out += (out ? ',' : '') + (start === prev ? `${start}` : `${start}:${prev}`);
  return out;
}

/**
 * A set of positive integers as sorted, disjoint, non-adjacent closed intervals.
 * Membership is a binary search; nothing is ever expanded.
 */
export class NumberSet {
  readonly #starts: number[];
  readonly #ends: number[];

  /** Intervals must already be sorted, disjoint and non-adjacent; use resolveSequenceSet. */
  constructor(starts: number[], ends: number[]) {
    this.#starts = starts;
    this.#ends = ends;
  }

  has(n: number): boolean {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (n < this.#starts[mid]!) hi = mid - 1;
      else if (n > this.#ends[mid]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  get isEmpty(): boolean {
    return this.#starts.length === 0;
  }

  /** How many numbers are in the set. */
  get size(): number {
    let total = 0;
    for (let i = 0; i < this.#starts.length; i++) total += this.#ends[i]! - this.#starts[i]! + 1;
    return total;
  }

  get min(): number | undefined {
    return this.#starts[0];
  }

  get max(): number | undefined {
    return this.#ends[this.#ends.length - 1];
  }

  ranges(): Array<readonly [number, number]> {
    return this.#starts.map((s, i) => [s, this.#ends[i]!] as const);
  }

  /** The numbers in ascending order, lazily. */
  *values(): Generator<number> {
    for (let i = 0; i < this.#starts.length; i++) {
      for (let n = this.#starts[i]!; n <= this.#ends[i]!; n++) yield n;
    }
  }

  /** The part of the set within 1..max, e.g. to drop sequence numbers past the last message. */
  clamp(max: number): NumberSet {
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < this.#starts.length; i++) {
      const s = Math.max(1, this.#starts[i]!);
      const e = Math.min(max, this.#ends[i]!);
      if (s <= e) {
        starts.push(s);
        ends.push(e);
      }
    }
    return new NumberSet(starts, ends);
  }

  toString(): string {
    return this.#starts.map((s, i) => (s === this.#ends[i] ? `${s}` : `${s}:${this.#ends[i]}`)).join(',');
  }
}

/**
 * Resolves `*` to `max` (the last sequence number or highest UID; 0 for an empty mailbox,
 * which then matches no message) and normalises the set. `a:b` and `b:a` mean the same, so
 * `559:*` includes the highest UID even when it is below 559 (RFC 3501 §6.4.8).
 */
export function resolveSequenceSet(set: SequenceSet, max: number): NumberSet {
  const intervals = set.ranges.map((r) => {
    const a = r.from === '*' ? max : r.from;
    const b = r.to === '*' ? max : r.to;
    return a <= b ? [a, b] : [b, a];
  });
  intervals.sort((x, y) => x[0]! - y[0]!);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [a, b] of intervals as Array<[number, number]>) {
    const last = ends.length - 1;
    if (last >= 0 && a <= ends[last]! + 1) {
      if (b > ends[last]!) ends[last] = b;
    } else {
      starts.push(a);
      ends.push(b);
    }
  }
  return new NumberSet(starts, ends);
}
