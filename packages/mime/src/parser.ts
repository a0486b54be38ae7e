// The structure parser: one pass over the bytes, building a tree of offsets. Boundaries of all
// enclosing multiparts are active at once (as in Dovecot): a line `--b` closes every part
// nested inside the multipart whose boundary is `b`, so a missing close delimiter costs
// nothing, and no byte is scanned twice. Only lines starting with `--` are looked at
// (Buffer.indexOf finds them natively), which keeps a 20 MB attachment cheap.
//
// Like Dovecot, a boundary line is any line that starts with `--` + boundary; when several
// enclosing boundaries match, the longest wins, then the innermost.

import { DASH, countLines, nextLine } from './bytes.ts';
import { boundaryOf, readContentHeaders } from './content-headers.ts';
import { lineBreakStart, scanHeader } from './header-block.ts';
import type { Defect, MimeNode, NodeKind, ParseLimits } from './types.ts';

const DEFAULT_LIMITS: Required<ParseLimits> = {
  maxDepth: 50,
  maxParts: 10_000,
  maxFieldsPerPart: 2_000,
  maxFields: 100_000,
  maxFieldLength: 64 * 1024,
};

const LINE_DASHES = Buffer.from('\n--', 'latin1');

interface Boundary {
  readonly bytes: Buffer;
  readonly hash: number;
  /** Position in the stack of open multiparts: higher is more deeply nested. */
  readonly level: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

/**
 * The boundaries of the open multiparts. A `--` line is hashed once, prefix by prefix, against
 * all of them (shortest first), and bytes are compared only on a hash hit: a line costs
 * O(longest boundary), not O(boundaries x length), so 50 nested multiparts under a flood of
 * near-miss lines stay linear and cheap.
 */
class ActiveBoundaries {
  readonly stack: Boundary[] = [];
  /** By length, then by level: the last match found is the longest, then the innermost. */
  byLength: Boundary[] = [];

  get size(): number {
    return this.stack.length;
  }

  push(bytes: Buffer): Boundary {
    const b: Boundary = { bytes, hash: hashBytes(bytes, 0, bytes.length), level: this.stack.length };
    this.stack.push(b);
    this.sort();
    return b;
  }

  pop(): void {
    this.stack.pop();
    this.sort();
  }

  private sort(): void {
    this.byLength = [...this.stack].sort((a, b) => a.bytes.length - b.bytes.length || a.level - b.level);
  }

  /** The boundary whose delimiter starts the line at `pos`, if any. */
  match(raw: Buffer, pos: number): Boundary | null {
    if (raw[pos] !== DASH || raw[pos + 1] !== DASH) return null;
    const start = pos + 2;
    let h = FNV_OFFSET;
    let k = 0;
    let best: Boundary | null = null;
    for (const b of this.byLength) {
      const n = b.bytes.length;
      if (start + n > raw.length) break;
      for (; k < n; k++) h = Math.imul(h ^ raw[start + k]!, FNV_PRIME);
      if (h === b.hash && raw.compare(b.bytes, 0, n, start, start + n) === 0) best = b;
    }
    return best;
  }
}

type Terminator =
  | { readonly kind: 'end' }
  | {
      readonly kind: 'boundary';
      readonly boundary: Boundary;
      readonly close: boolean;
      /** Offset just past the boundary line. */
      readonly next: number;
      /** Where the part before the boundary ends: its line break belongs to the boundary. */
      readonly partEnd: number;
    };

const END: Terminator = { kind: 'end' };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class StructureParser {
  readonly raw: Buffer;
  readonly length: number;
  readonly limits: Required<ParseLimits>;
  readonly active = new ActiveBoundaries();
  parts = 0;
  fieldsLeft: number;
  /** Set once the part limit is hit: from then on the rest of the message is opaque. */
  exhausted = false;
  readonly isBoundaryLine = (pos: number): boolean => this.match(pos) !== null;

  constructor(raw: Buffer, limits: Required<ParseLimits>) {
    this.raw = raw;
    this.length = raw.length;
    this.limits = limits;
    this.fieldsLeft = limits.maxFields;
  }

  /** The boundary the line at `pos` opens or closes, if any. */
  match(pos: number): { boundary: Boundary; close: boolean } | null {
    const boundary = this.active.match(this.raw, pos);
    if (!boundary) return null;
    const after = pos + 2 + boundary.bytes.length;
    return { boundary, close: this.raw[after] === DASH && this.raw[after + 1] === DASH };
  }

  terminator(lineStart: number, floor: number): Terminator | null {
    const m = this.match(lineStart);
    if (!m) return null;
    return {
      kind: 'boundary',
      boundary: m.boundary,
      close: m.close,
      next: nextLine(this.raw, lineStart, this.length),
      partEnd: lineBreakStart(this.raw, lineStart, floor),
    };
  }

  /** The first boundary line at or after `from` (a line start). */
  scanBody(from: number): Terminator {
    if (this.active.size === 0 || this.exhausted) return END;
    const first = this.terminator(from, from);
    if (first) return first;
    let p = from;
    for (;;) {
      const i = this.raw.indexOf(LINE_DASHES, p);
      if (i < 0) return END;
      const t = this.terminator(i + 1, from);
      if (t) return t;
      p = i + 1;
    }
  }

  bodyEndFor(t: Terminator): number {
    return t.kind === 'end' ? this.length : t.partEnd;
  }

  entity(start: number, depth: number, fallback: string): { node: MimeNode; term: Terminator } {
    this.parts++;
    const scan = scanHeader(this.raw, start, this.length, {
      isBoundaryLine: this.active.size > 0 && !this.exhausted ? this.isBoundaryLine : null,
      maxFields: Math.min(this.limits.maxFieldsPerPart, this.fieldsLeft),
      maxFieldLength: this.limits.maxFieldLength,
      values: true,
    });
    this.fieldsLeft -= scan.fields.length;
    const content = readContentHeaders(scan.fields, fallback);
    const { type, subtype } = content.contentType;
    const kind: NodeKind = type === 'multipart' ? 'multipart' : type === 'message' && subtype === 'rfc822' ? 'message' : 'leaf';
    const defects: Defect[] = [...scan.defects, ...content.defects];
    const boundary = kind === 'multipart' ? boundaryOf(content.contentType) : null;
    const node: Mutable<MimeNode> = {
      kind,
      headerStart: start,
      headerEnd: scan.end,
      bodyStart: scan.end,
      bodyEnd: scan.end,
      fields: scan.fields,
      contentType: content.contentType,
      encoding: content.encoding,
      id: content.id,
      description: content.description,
      location: content.location,
      md5: content.md5,
      disposition: content.disposition,
      language: content.language,
      boundary: null,
      children: [],
      message: null,
      lines: 0,
      depth,
      defects,
    };

    let term: Terminator;
    if (scan.endedBy === 'boundary') {
      term = this.terminator(scan.boundaryLine, start) ?? END;
    } else if (kind === 'multipart' && boundary !== null && depth < this.limits.maxDepth && !this.exhausted) {
      node.boundary = boundary;
      term = this.multipart(node, Buffer.from(boundary, 'latin1'), defects);
    } else if (kind === 'message' && depth < this.limits.maxDepth && this.parts < this.limits.maxParts && !this.exhausted) {
      const inner = this.entity(node.bodyStart, depth + 1, 'text/plain');
      node.message = inner.node;
      term = inner.term;
      node.bodyEnd = this.bodyEndFor(term);
    } else {
      if (kind === 'multipart' && boundary === null) defects.push('missing-boundary');
      else if (kind !== 'leaf') defects.push(depth >= this.limits.maxDepth ? 'depth-limit' : 'part-limit');
      term = this.scanBody(node.bodyStart);
      node.bodyEnd = this.bodyEndFor(term);
    }
    if (kind !== 'multipart') node.lines = countLines(this.raw, node.bodyStart, node.bodyEnd);
    return { node, term };
  }

  /** Preamble, parts, epilogue; returns what ended the multipart (end of data or an outer boundary). */
  multipart(node: Mutable<MimeNode>, bytes: Buffer, defects: Defect[]): Terminator {
    const own = this.active.push(bytes);
    const children: MimeNode[] = [];
    node.children = children;
    const childFallback = node.contentType.subtype === 'digest' ? 'message/rfc822' : 'text/plain';
    let term = this.scanBody(node.bodyStart);
    for (;;) {
      if (term.kind === 'end' || term.boundary !== own) {
        if (!this.exhausted) defects.push('missing-final-boundary');
        this.active.pop();
        node.bodyEnd = this.bodyEndFor(term);
        return term;
      }
      if (term.close) {
        this.active.pop();
        // The epilogue runs to the next boundary of an enclosing multipart, or to the end.
        term = this.scanBody(term.next);
        node.bodyEnd = this.bodyEndFor(term);
        return term;
      }
      if (this.parts >= this.limits.maxParts) {
        defects.push('part-limit');
        this.exhausted = true;
        this.active.pop();
        node.bodyEnd = this.length;
        return END;
      }
      const child = this.entity(term.next, node.depth + 1, childFallback);
      children.push(child.node);
      term = child.term;
    }
  }
}

/** The MIME tree of `raw`. Never throws; whatever the bytes, every offset is within them. */
export function parseMessage(raw: Uint8Array, limits: ParseLimits = {}): MimeNode {
  const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const parser = new StructureParser(buffer, { ...DEFAULT_LIMITS, ...limits });
  return parser.entity(0, 0, 'text/plain').node;
}
