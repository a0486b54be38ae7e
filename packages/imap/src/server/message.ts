import {
  bodyStructure,
  decodeTransfer,
  envelope,
  findPart,
  headerTextForSearch,
  headerValuesForSearch,
  parseMessage,
  searchHeaderValues,
  section as mimeSection,
  textForSearch,
  type MimeNode,
} from '@mss/mime';
import fs from 'node:fs';
import { bodyStructureValue, envelopeValue, literal, type ImapValue, type Section } from '../protocol/index.ts';
import type { StoredSearchHeaders } from './folder-index.ts';
import type { BlobReader } from './shared-mail.ts';

/** Bodies up to this size are read synchronously: from the page cache that beats four thread-pool hops. */
const SYNC_READ_MAX = 256 * 1024;

export async function readBody(blobs: BlobReader, hash: string, size: number): Promise<Buffer> {
  const file = size <= SYNC_READ_MAX ? blobs.localPath(hash) : undefined;
  if (file !== undefined) {
    // The size is known (blobs are immutable): open, one read, close — no fstat, no growing buffer.
    let fd = -1;
    try {
      fd = fs.openSync(file, 'r');
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const n = fs.readSync(fd, buf, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got === size) return buf;
    } catch {
      // fall through: the store's own read reports a missing blob properly
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
  return blobs.get(hash);
}

/** What the session needs from a stored message: metadata, sections, structures, search text. */
export interface MessageView {
  whole(): ImapValue;
  sectionBytes(section: Section): Buffer;
  literalOrNil(data: Buffer): ImapValue;
  envelope(): ImapValue;
  bodyStructure(extended: boolean): ImapValue;
  headerValues(name: string): string[];
  headerText(): string;
  bodyText(): string;
  searchHeaders(): StoredSearchHeaders;
  /**
   * RFC 3516 §4.2: a part with its Content-Transfer-Encoding undone; an empty buffer for a part
   * that does not exist; null when the encoding is not one this server can undo (UNKNOWN-CTE).
   */
  binary(part: readonly number[]): Buffer | null;
}

/** The encodings RFC 3516 asks a server to undo; the identity ones need nothing. */
const KNOWN_CTE = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

/** A stored message read through @mss/mime, parsed once, without copying the body. */
export function messageView(raw: Buffer): MessageView {
  let parsed: MimeNode | undefined;
  const root = (): MimeNode => (parsed ??= parseMessage(raw));
  return {
    whole: () => literal(raw),
    // RFC 3501 leaves a section that does not exist open; like Dovecot, answer an empty string.
    // BODY[] (the whole message) needs no parse.
    sectionBytes: (s) =>
      s.part.length === 0 && !s.text
        ? raw
        : (mimeSection(raw, root(), { part: s.part, text: s.text, fields: s.fields }) ?? Buffer.alloc(0)),
    literalOrNil: (data) => literal(data),
    envelope: () => envelopeValue(envelope(root())),
    bodyStructure: (extended) => bodyStructureValue(bodyStructure(root(), extended), extended),
    headerValues: (name) => headerValuesForSearch(root(), name),
    headerText: () => headerTextForSearch(root()),
    bodyText: () => textForSearch(raw, root()),
    searchHeaders: () => searchHeaderValues(root()),
    binary: (part) => {
      if (part.length === 0) return raw;
      const node = findPart(root(), part);
      if (!node) return Buffer.alloc(0);
      if (!KNOWN_CTE.has(node.encoding)) return null;
      return decodeTransfer(raw.subarray(node.bodyStart, node.bodyEnd), node.encoding);
    },
  };
}
