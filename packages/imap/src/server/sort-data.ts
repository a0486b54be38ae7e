// What SORT and THREAD read of each message (RFC 5256 §2, §3): taken from its header once per
// process and kept beside the folder's shared index, so a webmail that sorts the same folder
// again and again opens each message once.

import {
  baseSubject,
  decodedHeader,
  headerAddresses,
  messageIds,
  parseMessage,
  parseMessageDate,
  unfoldedHeader,
  type MimeNode,
} from '@mss/mime';
import type { MessageRow } from '@mss/store';
import type { FolderIndex } from './folder-index.ts';
import { readBody } from './message.ts';
import type { BlobReader } from './shared-mail.ts';
import { calendar } from './search-eval.ts';
import { collationKey } from './sort-order.ts';

export interface SortData {
  /** The `Date:` field's instant (ms), null when missing or unreadable (INTERNALDATE stands in). */
  readonly sent: number | null;
  /** Its day as written, in its own zone (`YYYY-MM-DD`, what SENTON compares), null likewise. */
  readonly sentDay: string | null;
  /** Base subject (RFC 5256 §2.1) as an i;ascii-casemap collation key. */
  readonly subject: string;
  readonly replyOrForward: boolean;
  /** addr-mailbox of the first From, To, Cc address, collation keys; '' when none. */
  readonly from: string;
  readonly to: string;
  readonly cc: string;
  readonly messageId: string | null;
  /** References, or else the first msg-id of In-Reply-To (RFC 5256 §3 REFERENCES step 1). */
  readonly references: readonly string[];
}

/** The sort and thread keys of a message's header. */
export function sortDataOf(root: MimeNode): SortData {
  const field = unfoldedHeader(root, 'Date');
  const date = field === null ? null : parseMessageDate(field);
  const subject = baseSubject(decodedHeader(root, 'Subject'));
  const firstMailbox = (field: string) => collationKey(headerAddresses(root, field)[0]?.local ?? '');
  const references = messageIds(unfoldedHeader(root, 'References'));
  return {
    sent: date?.epochMs ?? null,
    sentDay: date ? calendar(date) : null,
    subject: collationKey(subject.base),
    replyOrForward: subject.replyOrForward,
    from: firstMailbox('From'),
    to: firstMailbox('To'),
    cc: firstMailbox('Cc'),
    messageId: messageIds(unfoldedHeader(root, 'Message-ID'))[0] ?? null,
    references: references.length > 0 ? references : messageIds(unfoldedHeader(root, 'In-Reply-To')).slice(0, 1),
  };
}

/** Where the header section ends (its blank line included), or -1 when `bytes` holds no end. */
function headerEnd(bytes: Buffer): number {
  const crlf = bytes.indexOf('\r\n\r\n');
  if (crlf >= 0) return crlf + 4;
  const lf = bytes.indexOf('\n\n');
  return lf >= 0 ? lf + 2 : -1;
}

/** Read in steps of this much until the header section ends; a message's body is never needed. */
const HEADER_CHUNK = 16 * 1024;
/** A header section longer than this (the parser's own field limit is 64 KiB each) is read whole. */
const HEADER_MAX = 1024 * 1024;

/**
 * The header section of a stored message, without reading its body: a message with a 10 MB
 * attachment costs one 16 KiB read, not 10 MB. Falls back to the whole message (the store's own
 * read, which reports a missing blob properly) when the header does not end within 1 MiB.
 */
async function readHeader(blobs: BlobReader, hash: string, size: number): Promise<Buffer> {
  if (size > HEADER_CHUNK) {
    const header = await headerByChunks(blobs, hash, size);
    if (header) return header;
  }
  const whole = await readBody(blobs, hash, size);
  const end = headerEnd(whole);
  return end >= 0 ? whole.subarray(0, end) : whole;
}

async function headerByChunks(blobs: BlobReader, hash: string, size: number): Promise<Buffer | null> {
  try {
    let buf = Buffer.alloc(0);
    while (buf.length < Math.min(size, HEADER_MAX)) {
      const chunk = await blobs.readRange(hash, buf.length, HEADER_CHUNK);
      if (chunk.length === 0) break;
      // Look again from just before the new bytes: the blank line may straddle two reads.
      const from = Math.max(0, buf.length - 3);
      buf = Buffer.concat([buf, chunk]);
      const end = headerEnd(buf.subarray(from));
      if (end >= 0) return buf.subarray(0, from + end);
    }
  } catch {
    // the store's own read follows, and reports a missing blob properly
  }
  return null;
}

interface Cache {
  uidvalidity: number;
  byUid: Map<number, SortData>;
}
const caches = new WeakMap<FolderIndex, Cache>();

/** The sort data of these messages (rows of the index's folder), read from the store once. */
export async function sortDataFor(blobs: BlobReader, index: FolderIndex, rows: readonly MessageRow[]): Promise<Map<number, SortData>> {
  let cache = caches.get(index);
  if (!cache || cache.uidvalidity !== index.uidvalidity) {
    cache = { uidvalidity: index.uidvalidity, byUid: new Map() };
    caches.set(index, cache);
  }
  const out = new Map<number, SortData>();
  for (const row of rows) {
    const uid = Number(row.uid);
    let data = cache.byUid.get(uid);
    if (!data) {
      data = sortDataOf(parseMessage(await readHeader(blobs, row.blob_hash, Number(row.size))));
      cache.byUid.set(uid, data);
    }
    out.set(uid, data);
  }
  // UIDs are never reused: entries of expunged messages are only dropped to bound the memory.
  if (cache.byUid.size > index.uids.length + 1024) {
    for (const uid of cache.byUid.keys()) if (index.position(uid) < 0) cache.byUid.delete(uid);
  }
  return out;
}
