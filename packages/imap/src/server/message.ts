import {
  bodyStructure,
  decodedHeader,
  envelope,
  headerTextForSearch,
  headerValuesForSearch,
  parseMessage,
  section as mimeSection,
  textForSearch,
  unfoldedHeader,
  type MimeNode,
} from '@mss/mime';
import fs from 'node:fs';
import type { Store } from '@mss/store';
import { bodyStructureValue, encodeValue, encoded, envelopeValue, literal, type ImapValue, type Section } from '../protocol/index.ts';
import type { StoredSearchHeaders } from './folder-index.ts';

/** Bodies up to this size are read synchronously: from the page cache that beats four thread-pool hops. */
const SYNC_READ_MAX = 256 * 1024;

export async function readBody(store: Store, hash: string, size: number): Promise<Buffer> {
  if (size <= SYNC_READ_MAX) {
    // The size is known (blobs are immutable): open, one read, close — no fstat, no growing buffer.
    let fd = -1;
    try {
      fd = fs.openSync(store.blobs.pathOf(hash), 'r');
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
  return store.blobs.get(hash);
}

/**
 * The cached forms of a message's ENVELOPE and BODYSTRUCTURE (latin1 text of their encoded
 * bytes) and its search headers (JSON). A value holding NUL is not cached: PostgreSQL text
 * cannot store it, and such a message is rare enough to parse each time.
 */
export function cachesOf(view: MessageView): { envelope: string | null; bodyStructure: string | null; searchHeaders: string } {
  const keep = (b: Buffer) => (b.includes(0) ? null : b.toString('latin1'));
  return {
    envelope: keep(encodeValue(view.envelope())),
    bodyStructure: keep(encodeValue(view.bodyStructure(true))),
    searchHeaders: JSON.stringify(view.searchHeaders()),
  };
}

export function cachedEnvelope(row: { envelope?: string | null }): ImapValue | null {
  return row.envelope ? encoded(Buffer.from(row.envelope, 'latin1')) : null;
}

export function cachedBodyStructure(row: { body_structure?: string | null }): ImapValue | null {
  return row.body_structure ? encoded(Buffer.from(row.body_structure, 'latin1')) : null;
}

export async function searchHeadersOfBlob(store: Store, hash: string): Promise<StoredSearchHeaders> {
  return messageView(await store.blobs.get(hash)).searchHeaders();
}

/** What the session needs from a stored message: metadata, sections, structures, search text. */
export interface MessageView {
  metadata(): { messageId: string | null; subject: string | null; fromAddr: string | null; toAddrs: string | null; sentDate: string | null };
  whole(): ImapValue;
  sectionBytes(section: Section): Buffer;
  literalOrNil(data: Buffer): ImapValue;
  envelope(): ImapValue;
  bodyStructure(extended: boolean): ImapValue;
  sentDate(): Date | null;
  headerValues(name: string): string[];
  headerText(): string;
  bodyText(): string;
  searchHeaders(): StoredSearchHeaders;
}

function dateOf(root: MimeNode): Date | null {
  const d = unfoldedHeader(root, 'Date');
  if (!d) return null;
  const t = Date.parse(d.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(t) ? null : new Date(t);
}

/** A stored message read through @mss/mime, parsed once, without copying the body. */
export function messageView(raw: Buffer): MessageView {
  let parsed: MimeNode | undefined;
  const root = (): MimeNode => (parsed ??= parseMessage(raw));
  return {
    metadata: () => ({
      messageId: unfoldedHeader(root(), 'Message-ID'),
      subject: decodedHeader(root(), 'Subject'),
      fromAddr: decodedHeader(root(), 'From'),
      toAddrs: decodedHeader(root(), 'To'),
      sentDate: dateOf(root())?.toISOString() ?? null,
    }),
    whole: () => literal(raw),
    // RFC 3501 leaves a section that does not exist open; like Dovecot, answer an empty string.
    // BODY[] (the whole message) needs no parse.
    sectionBytes: (s) => (s.part.length === 0 && !s.text ? raw : (mimeSection(raw, root(), { part: s.part, text: s.text, fields: s.fields }) ?? Buffer.alloc(0))),
    literalOrNil: (data) => literal(data),
    envelope: () => envelopeValue(envelope(root())),
    bodyStructure: (extended) => bodyStructureValue(bodyStructure(root(), extended), extended),
    sentDate: () => dateOf(root()),
    headerValues: (name) => headerValuesForSearch(root(), name),
    headerText: () => headerTextForSearch(root()),
    bodyText: () => textForSearch(raw, root()),
    searchHeaders: () => ({
      from: headerValuesForSearch(root(), 'FROM'),
      to: headerValuesForSearch(root(), 'TO'),
      cc: headerValuesForSearch(root(), 'CC'),
      bcc: headerValuesForSearch(root(), 'BCC'),
      subject: headerValuesForSearch(root(), 'SUBJECT'),
    }),
  };
}
