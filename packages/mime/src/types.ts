// The parsed shape of a message. Nodes hold offsets into the raw message, never its bytes:
// a 20 MB attachment costs four numbers. Header values are byte strings (latin1, one char per
// byte) so that 8-bit bytes stay exact; decode them with the helpers of headers.ts.

export interface HeaderField {
  /** The name as written (without white space before the colon). */
  readonly name: string;
  /** The name lower-cased, for look-ups. */
  readonly key: string;
  /** The bytes after the colon, folding kept, without the field's final line break (latin1). */
  readonly value: string;
  /** Offset of the field's first byte. */
  readonly start: number;
  /** Offset just past the field's final line break (or where the header was cut short). */
  readonly end: number;
}

/** One parameter of Content-Type or Content-Disposition, RFC 2231 continuations merged. */
export interface MimeParam {
  /** Lower-cased, without the RFC 2231 `*n*` markers. */
  readonly name: string;
  /** Decoded text (RFC 2231 charset, or RFC 2047 words, or UTF-8/windows-1252 bytes). */
  readonly value: string;
  /** The value's bytes before charset decoding (latin1): what a boundary is compared with. */
  readonly raw: string;
  /** RFC 2231 charset and language, when the value was extended (`name*=`). */
  readonly charset: string | null;
  readonly language: string | null;
}

/** A parameter as it travels, continuations merged: `['filename*', "UTF-8''a%20b"]` (latin1). */
export type WireParam = readonly [name: string, value: string];

export interface ContentType {
  /** Lower-cased; `text`/`plain` when the header is absent or unparseable (RFC 2045 §5.2). */
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly MimeParam[];
  readonly wireParams: readonly WireParam[];
  /** False when the type is the default rather than read from the header. */
  readonly explicit: boolean;
}

export interface ContentDisposition {
  /** Lower-cased, e.g. `attachment`, `inline`. */
  readonly type: string;
  readonly params: readonly MimeParam[];
  readonly wireParams: readonly WireParam[];
}

/**
 * What the parser made of a part: `multipart` has `children` (possibly none: no boundary, none
 * found, or past a limit), `message` is message/rfc822 with the encapsulated message in
 * `message` (null past a limit), anything else is a `leaf`.
 */
export type NodeKind = 'leaf' | 'multipart' | 'message';

export type Defect =
  /** The header ended at a line that is not a field, without the blank line. */
  | 'missing-header-separator'
  /** A line in the header that is neither a field nor a continuation (skipped). */
  | 'malformed-header-line'
  /** A boundary line came before the header's end: the part has no body. */
  | 'header-cut-by-boundary'
  | 'invalid-content-type'
  /** multipart/* without a usable boundary parameter. */
  | 'missing-boundary'
  /** multipart/* ended (end of data or an outer boundary) without its close delimiter. */
  | 'missing-final-boundary'
  /** Nesting deeper than the limit: this part's content is kept opaque. */
  | 'depth-limit'
  /** More parts than the limit: the rest of the message stays, unparsed, in this multipart's body. */
  | 'part-limit'
  /** More header fields, or a longer field, than the limits: the excess is not stored. */
  | 'field-limit';

/** What a part's Content-* header fields say. */
export interface ContentHeaders {
  readonly contentType: ContentType;
  /** Content-Transfer-Encoding lower-cased, `7bit` when absent. */
  readonly encoding: string;
  /** Raw (latin1, unfolded, trimmed) Content-ID, Content-Description, Content-Location, Content-MD5. */
  readonly id: string | null;
  readonly description: string | null;
  readonly location: string | null;
  readonly md5: string | null;
  readonly disposition: ContentDisposition | null;
  /** Content-Language tags, null when absent. */
  readonly language: readonly string[] | null;
  readonly defects: Defect[];
}

export interface MimeNode extends Omit<ContentHeaders, 'defects'> {
  readonly kind: NodeKind;
  /** Header: [headerStart, headerEnd), the blank line included when there is one. */
  readonly headerStart: number;
  readonly headerEnd: number;
  /** Body: [bodyStart, bodyEnd); bodyStart === headerEnd. For a part of a multipart the CRLF
   * before the next boundary belongs to the boundary (RFC 2046 §5.1.1), not to the body. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly fields: readonly HeaderField[];
  /** The multipart boundary in use (latin1), null otherwise. */
  readonly boundary: string | null;
  readonly children: readonly MimeNode[];
  readonly message: MimeNode | null;
  /** Line feeds in the body (counted for every part but multiparts, whose lines nobody asks). */
  readonly lines: number;
  /** 0 for the message, +1 per multipart or message/rfc822 level. */
  readonly depth: number;
  readonly defects: readonly Defect[];
}

export interface ParseLimits {
  /** Deepest nesting of multiparts and messages (default 50). */
  readonly maxDepth?: number;
  /** Most nodes in the tree (default 10,000). */
  readonly maxParts?: number;
  /** Most header fields stored per part (default 2,000) and in all (default 100,000). */
  readonly maxFieldsPerPart?: number;
  readonly maxFields?: number;
  /** Longest field value stored, in bytes (default 64 KiB); longer ones are cut. */
  readonly maxFieldLength?: number;
}
