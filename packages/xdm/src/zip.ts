// The ZIP side of R-DOC-1, on yauzl (a maintained reader that reads the central directory first
// and never trusts a local header's sizes) and yazl (its writer). yauzl decodes, inflates and
// checks CRCs and sizes; the limits around it are ours: the archive's size and entry count before
// any entry is read, each entry's name, kind and declared sizes before its bytes are inflated,
// overlapping entries, and the inflated bytes counted as they come, so that a lying header still
// stops at the limit, and CRC-32s compared (yauzl leaves that to its caller). Nothing is written to disk: entries are read into memory, bounded by the
// total limit.

import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { UnsafeArchiveError } from './errors.ts';
import type { XdmLimits } from './limits.ts';

export interface ZipEntry {
  /** As decoded (UTF-8 when flagged, else CP437), checked: relative, no `..`, forward slashes. */
  readonly name: string;
  readonly bytes: Buffer;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;
const STORED = 0;
const DEFLATE = 8;

/** Magic numbers of archives and compressed streams an XDM never nests. */
const ARCHIVE_MAGIC: readonly (readonly number[])[] = [
  [0x50, 0x4b, 0x03, 0x04], // zip
  [0x50, 0x4b, 0x05, 0x06], // empty zip
  [0x50, 0x4b, 0x07, 0x08], // spanned zip
  [0x1f, 0x8b], // gzip
  [0x42, 0x5a, 0x68], // bzip2
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], // 7z
  [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], // rar
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
];
const ARCHIVE_NAME = /\.(zip|gz|tgz|bz2|xz|7z|rar|zst|tar|jar|cab)$/i;

/** Refuses names an extractor could write outside its folder or that are ambiguous. */
export function checkEntryName(name: string, limits: Pick<XdmLimits, 'maxNameLength' | 'maxPathDepth'>): void {
  if (name.length === 0) throw new UnsafeArchiveError('bad-name', 'empty name', name);
  if (name.length > limits.maxNameLength) {
    throw new UnsafeArchiveError('bad-name', `name longer than ${limits.maxNameLength} characters`, name);
  }
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    throw new UnsafeArchiveError('absolute-path', 'absolute name', name);
  }
  if (name.includes('\\')) throw new UnsafeArchiveError('bad-name', 'backslash in name (a path separator on Windows)', name);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new UnsafeArchiveError('bad-name', 'control character in name', name);
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.includes('..')) throw new UnsafeArchiveError('path-traversal', '".." segment', name);
  if (segments.some((s) => s === '' || s === '.')) throw new UnsafeArchiveError('bad-name', 'empty or "." segment', name);
  if (segments.length > limits.maxPathDepth) {
    throw new UnsafeArchiveError('bad-name', `more than ${limits.maxPathDepth} path segments`, name);
  }
}

function isArchiveContent(bytes: Buffer): boolean {
  return ARCHIVE_MAGIC.some((magic) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b));
}

/** yauzl's own refusals, read as our limits: the few it reports before we see the entry. */
function fromYauzl(err: Error, entry: string | null): UnsafeArchiveError {
  if (err instanceof UnsafeArchiveError) return err;
  if (/encrypt/i.test(err.message)) return new UnsafeArchiveError('encrypted', err.message, entry);
  return new UnsafeArchiveError('zip-malformed', err.message, entry);
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: true, autoClose: true },
      (err, zip) => (err ? reject(fromYauzl(err, null)) : resolve(zip)),
    );
  });
}

/** The inflated bytes of one entry, stopped as soon as they pass what it may hold. */
function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry, name: string, budget: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(fromYauzl(err, name));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > budget) {
          stream.destroy();
          reject(new UnsafeArchiveError('entry-size', `inflates past ${budget} bytes, more than it declared`, name));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (e: Error) => reject(fromYauzl(e, name)));
      stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    });
  });
}

/** Reads every entry of an archive within the limits, or throws UnsafeArchiveError. Directories are skipped. */
export async function readZip(buffer: Buffer, limits: XdmLimits): Promise<ZipEntry[]> {
  if (buffer.length > limits.maxArchiveBytes) {
    throw new UnsafeArchiveError('archive-size', `${buffer.length} bytes, more than the ${limits.maxArchiveBytes} accepted`);
  }
  const zip = await openZip(buffer);
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new UnsafeArchiveError('entry-count', `${zip.entryCount} entries, more than the ${limits.maxEntries} accepted`);
    }
    const entries: yauzl.Entry[] = [];
    const names: string[] = [];
    const seen = new Map<string, string>();
    let declaredTotal = 0;
    // The central directory first, whole: every name and size is judged before a byte is inflated.
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) break;
      const raw = entry.fileNameRaw;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
      checkEntryName(name, limits);
      if (entry.versionMadeBy >> 8 === MADE_BY_UNIX && ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        throw new UnsafeArchiveError('symlink', 'symbolic link entry', name);
      }
      if (entry.isEncrypted()) throw new UnsafeArchiveError('encrypted', 'encrypted entry', name);
      if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATE) {
        throw new UnsafeArchiveError('compression-method', `method ${entry.compressionMethod}; only stored and deflate`, name);
      }
      const key = name.replace(/\/$/, '').normalize('NFC').toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined) throw new UnsafeArchiveError('duplicate-name', `same name as ${JSON.stringify(earlier)}`, name);
      seen.set(key, name);
      if (name.endsWith('/')) continue;
      if (ARCHIVE_NAME.test(name)) throw new UnsafeArchiveError('nested-archive', 'an archive inside the archive', name);
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw new UnsafeArchiveError('entry-size', `${entry.uncompressedSize} bytes, more than the ${limits.maxEntryBytes} accepted`, name);
      }
      declaredTotal += entry.uncompressedSize;
      if (declaredTotal > limits.maxTotalBytes) {
        throw new UnsafeArchiveError('total-size', `entries inflate to more than the ${limits.maxTotalBytes} bytes accepted`, name);
      }
      if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxRatio) {
        throw new UnsafeArchiveError(
          'compression-ratio',
          `${entry.compressedSize} bytes inflate to ${entry.uncompressedSize}, more than ${limits.maxRatio} times`,
          name,
        );
      }
      entries.push(entry);
      names.push(name);
    }
    checkOverlaps(entries, names);
    const out: ZipEntry[] = [];
    let total = 0;
    for (const [i, entry] of entries.entries()) {
      const name = names[i]!;
      const budget = Math.min(entry.uncompressedSize, limits.maxTotalBytes - total);
      const bytes = await inflate(zip, entry, name, budget);
      total += bytes.length;
      // yauzl checks sizes, not CRCs: a corrupted entry must not read as a different document.
      if (crc32(bytes) !== entry.crc32) throw new UnsafeArchiveError('zip-malformed', 'CRC-32 does not match the data', name);
      if (isArchiveContent(bytes)) throw new UnsafeArchiveError('nested-archive', 'content is an archive', name);
      out.push({ name, bytes });
    }
    return out;
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry): void => {
      cleanup();
      resolve(e);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(fromYauzl(err, null));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** Each entry's local header and data must lie before the next one's: no two entries share bytes. */
function checkOverlaps(entries: readonly yauzl.Entry[], names: readonly string[]): void {
  const order = entries.map((_e, i) => i).sort((a, b) => entries[a]!.relativeOffsetOfLocalHeader - entries[b]!.relativeOffsetOfLocalHeader);
  for (let k = 1; k < order.length; k++) {
    const prev = entries[order[k - 1]!]!;
    const at = entries[order[k]!]!;
    // 30 bytes of fixed local header, then its name (as long as the central directory's), then the data.
    const prevEnd = prev.relativeOffsetOfLocalHeader + 30 + prev.fileNameLength + prev.compressedSize;
    if (at.relativeOffsetOfLocalHeader < prevEnd) {
      throw new UnsafeArchiveError('overlapping-entries', `shares bytes with ${JSON.stringify(names[order[k - 1]!])}`, names[order[k]!]!);
    }
  }
}

export interface ZipInput {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** An archive of these files, in this order, deflated, with a fixed date (reproducible output). */
export function writeZip(files: readonly ZipInput[], mtime = new Date(Date.UTC(2026, 0, 1))): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(Buffer.from(f.bytes), f.name, { mtime, mode: 0o100644, compress: true });
  zip.end();
  return streamToBuffer(zip.outputStream as Readable);
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of Readable.from(stream)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
