// Finds the fields of one header block (RFC 5322 §2.2) and where the block ends, with exact
// byte offsets whatever the line ends (CRLF or bare LF). A line that is neither a field nor a
// continuation ends the header, as if the blank line were missing: the alternative, reading on,
// would swallow the body of a message that lacks the blank line.

import { COLON, CR, DASH, LF, SP, TAB, latin1, nextLine } from './bytes.ts';
import type { Defect, HeaderField } from './types.ts';

export type HeaderEnd = 'blank-line' | 'end' | 'not-a-field' | 'boundary';

export interface HeaderScan {
  readonly fields: HeaderField[];
  /** Offset where the body starts: past the blank line, or at the line that ended the header. */
  readonly end: number;
  readonly endedBy: HeaderEnd;
  /** When endedBy is 'boundary': where the boundary line starts. */
  readonly boundaryLine: number;
  readonly defects: Defect[];
}

export interface HeaderScanOptions {
  /** Whether the line at `pos` (which starts with `--`) is a boundary of an enclosing multipart. */
  readonly isBoundaryLine?: ((pos: number) => boolean) | null;
  /** Fields to store at most; the others are still scanned over. */
  readonly maxFields: number;
  readonly maxFieldLength: number;
  /** Store the values (false when only the offsets are wanted). */
  readonly values: boolean;
}

function isNameChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== COLON;
}

/** Where a line break ending just before `pos` starts (pos itself when there is none). */
export function lineBreakStart(raw: Uint8Array, pos: number, floor: number): number {
  if (pos <= floor || raw[pos - 1] !== LF) return pos;
  return pos - 2 >= floor && raw[pos - 2] === CR ? pos - 2 : pos - 1;
}

export function scanHeader(raw: Buffer, start: number, limit: number, options: HeaderScanOptions): HeaderScan {
  const fields: HeaderField[] = [];
  const defects: Defect[] = [];
  const isBoundaryLine = options.isBoundaryLine ?? null;
  let pos = start;
  while (pos < limit) {
    const c = raw[pos]!;
    if (isBoundaryLine && c === DASH && raw[pos + 1] === DASH && isBoundaryLine(pos)) {
      // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1).
      const cut = lineBreakStart(raw, pos, start);
      const last = fields[fields.length - 1];
      if (last && last.end > cut) fields[fields.length - 1] = { ...last, end: cut };
      defects.push('header-cut-by-boundary');
      return { fields, end: cut, endedBy: 'boundary', boundaryLine: pos, defects };
    }
    if (c === LF) return { fields, end: pos + 1, endedBy: 'blank-line', boundaryLine: -1, defects };
    if (c === CR && raw[pos + 1] === LF) return { fields, end: pos + 2, endedBy: 'blank-line', boundaryLine: -1, defects };
    if (c === SP || c === TAB) {
      // A continuation with nothing to continue: skip it rather than end the header on it.
      if (!defects.includes('malformed-header-line')) defects.push('malformed-header-line');
      pos = nextLine(raw, pos, limit);
      continue;
    }
    let i = pos;
    while (i < limit && isNameChar(raw[i]!)) i++;
    const nameEnd = i;
    while (i < limit && (raw[i] === SP || raw[i] === TAB)) i++;
    if (nameEnd === pos || i >= limit || raw[i] !== COLON) {
      defects.push('missing-header-separator');
      return { fields, end: pos, endedBy: 'not-a-field', boundaryLine: -1, defects };
    }
    const valueStart = i + 1;
    let fieldEnd = nextLine(raw, valueStart, limit);
    while (fieldEnd < limit && (raw[fieldEnd] === SP || raw[fieldEnd] === TAB)) fieldEnd = nextLine(raw, fieldEnd, limit);
    if (fields.length < options.maxFields) {
      let value = '';
      if (options.values) {
        const valueEnd = Math.max(valueStart, lineBreakStart(raw, fieldEnd, valueStart));
        if (valueEnd - valueStart > options.maxFieldLength && !defects.includes('field-limit')) defects.push('field-limit');
        value = latin1(raw, valueStart, Math.min(valueEnd, valueStart + options.maxFieldLength));
      }
      const name = latin1(raw, pos, nameEnd);
      fields.push({ name, key: name.toLowerCase(), value, start: pos, end: fieldEnd });
    } else if (!defects.includes('field-limit')) {
      defects.push('field-limit');
    }
    pos = fieldEnd;
  }
  return { fields, end: limit, endedBy: 'end', boundaryLine: -1, defects };
}
