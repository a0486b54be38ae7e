// What the framer needs to see in a line without parsing it: a literal announced at its end,
// and the tag and command name, to answer a command it had to refuse.

import { ATOM, TAG, allChars, isDigit } from './chars.ts';

export interface LiteralHeader {
  /** Where `{` (or `~{`) starts. */
  readonly start: number;
  readonly size: number;
  readonly nonSync: boolean;
  readonly binary: boolean;
}

/** `{n}`, `{n+}` or `~{n}` / `~{n+}` at the very end of a line. */
export function literalHeader(line: string): LiteralHeader | null {
  let i = line.length - 1;
  if (i < 2 || line.charCodeAt(i) !== 0x7d) return null;
  i--;
  let nonSync = false;
  if (line.charCodeAt(i) === 0x2b) {
    nonSync = true;
    i--;
  }
  const digitsEnd = i + 1;
  while (i >= 0 && isDigit(line.charCodeAt(i))) i--;
  if (i === digitsEnd - 1 || i < 0 || line.charCodeAt(i) !== 0x7b) return null;
  const size = Number(line.slice(i + 1, digitsEnd));
  let start = i;
  let binary = false;
  if (start > 0 && line.charCodeAt(start - 1) === 0x7e) {
    binary = true;
    start--;
  }
  return { start, size, nonSync, binary };
}

/**
 * Tag and command name from the start of a command, for answering a command the framer had to
 * refuse. `complete` says whether `text` is the whole line (else a token cut at its end is unsure).
 */
export function commandHead(text: string, complete: boolean): { tag: string | null; name: string | null } {
  const words = text.split(' ');
  const known = complete ? words.length : words.length - 1;
  const tag = known >= 1 && allChars(words[0]!, TAG) ? words[0]! : null;
  if (tag === null || known < 2 || !allChars(words[1]!, ATOM)) return { tag, name: null };
  const name = words[1]!.toUpperCase();
  if (name !== 'UID') return { tag, name };
  return known >= 3 && allChars(words[2]!, ATOM) ? { tag, name: `UID ${words[2]!.toUpperCase()}` } : { tag, name };
}
