// The limits around the ZIP and XML readers (R-DOC-1). Defaults fit real IHE_XDM archives (a
// few CDA documents and PDFs, well under the 25 MiB of a submitted message) with a wide margin;
// every one can be lowered or raised by the caller.

export interface XdmLimits {
  /** Largest archive read, in bytes (the attachment as decoded). */
  readonly maxArchiveBytes: number;
  /** Most entries (files and directories). */
  readonly maxEntries: number;
  /** Largest inflated entry. */
  readonly maxEntryBytes: number;
  /** Largest inflated total. */
  readonly maxTotalBytes: number;
  /** Highest inflated/compressed ratio of one entry… */
  readonly maxRatio: number;
  /** …once it inflates past this many bytes (tiny files of one repeated byte legitimately compress well). */
  readonly ratioFloorBytes: number;
  /** Longest entry name, in characters, and most path segments. */
  readonly maxNameLength: number;
  readonly maxPathDepth: number;
  /** Longest XML document read, in characters of the decoded text. */
  readonly maxXmlChars: number;
  /** Deepest element nesting (structured CDA bodies nest sections and entries: a few tens). */
  readonly maxXmlDepth: number;
  /** Most elements in one XML document, and most attributes on one element. */
  readonly maxXmlElements: number;
  readonly maxXmlAttributes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_XDM_LIMITS: XdmLimits = {
  maxArchiveBytes: 25 * MIB,
  maxEntries: 1000,
  maxEntryBytes: 32 * MIB,
  maxTotalBytes: 64 * MIB,
  maxRatio: 100,
  ratioFloorBytes: 1 * MIB,
  maxNameLength: 255,
  maxPathDepth: 8,
  maxXmlChars: 16 * MIB,
  maxXmlDepth: 128,
  maxXmlElements: 500_000,
  maxXmlAttributes: 64,
};

export function xdmLimits(overrides: Partial<XdmLimits> = {}): XdmLimits {
  return { ...DEFAULT_XDM_LIMITS, ...overrides };
}
