// Every refusal of a hostile or broken archive is one typed error naming the limit it hit
// (R-DOC-1), so that SMTP (554 5.6.0), the CLI (exit 1) and the tests can say precisely why
// without reading messages.

export const UNSAFE_LIMITS = [
  /** The archive is larger than accepted (before anything is read). */
  'archive-size',
  /** More entries than accepted (read from the end of central directory, before any entry). */
  'entry-count',
  /** One entry would inflate past the per-entry limit. */
  'entry-size',
  /** The entries together would inflate past the total limit. */
  'total-size',
  /** An entry inflates more than the accepted ratio (a zip bomb). */
  'compression-ratio',
  /** Two entries share their bytes (overlapping local headers: the non-recursive zip bomb). */
  'overlapping-entries',
  /** A name climbs out of the archive with `..`. */
  'path-traversal',
  /** A name is absolute (`/x`, `C:x`, `\\x`). */
  'absolute-path',
  /** A name with a backslash, a control character, an empty or `.` segment, or too long or deep. */
  'bad-name',
  /** Two entries with the same name (compared without case, as Windows and macOS would extract them). */
  'duplicate-name',
  /** A symbolic link entry. */
  'symlink',
  /** An encrypted entry (traditional or strong encryption). */
  'encrypted',
  /** A compression method other than stored (0) or deflate (8). */
  'compression-method',
  /** An archive inside the archive (zip, gzip, bzip2, xz, 7z, rar), by name or by content. */
  'nested-archive',
  /** Not a readable zip: truncated, corrupt, sizes or CRC not as declared. */
  'zip-malformed',
  /** An XML document with a DOCTYPE (hence entity declarations: XXE, billion laughs). */
  'xml-doctype',
  /** An XML document longer than accepted. */
  'xml-size',
  /** Elements nested deeper than accepted. */
  'xml-depth',
  /** More elements or attributes than accepted. */
  'xml-nodes',
  /** Not well-formed XML (unknown entity, unclosed tag, bad character…), or not in an accepted encoding. */
  'xml-malformed',
] as const;

export type UnsafeLimit = (typeof UNSAFE_LIMITS)[number];

/** An archive or document refused for safety (R-DOC-1): never read further. */
export class UnsafeArchiveError extends Error {
  override readonly name = 'UnsafeArchiveError';
  readonly code = 'XDM_UNSAFE';
  readonly limit: UnsafeLimit;
  /** The entry concerned, when there is one. */
  readonly entry: string | null;

  constructor(limit: UnsafeLimit, detail: string, entry: string | null = null) {
    super(`${limit}: ${entry === null ? '' : `${JSON.stringify(entry.slice(0, 120))}: `}${detail}`);
    this.limit = limit;
    this.entry = entry;
  }
}

export function isUnsafeArchiveError(err: unknown): err is UnsafeArchiveError {
  return err instanceof UnsafeArchiveError;
}
