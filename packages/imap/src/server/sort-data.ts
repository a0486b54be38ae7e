// What SORT and THREAD read of each message (RFC 5256 §2, §3): taken from its header once per
// process and kept beside the folder's shared index, so a webmail that sorts the same folder
// again and again opens each message once.

import { baseSubject, decodedHeader, headerAddresses, messageIds, parseMessage, parseMessageDate, unfoldedHeader, type MimeNode } from '@mss/mime';
import type { MessageRow, Store } from '@mss/store';
import type { FolderIndex } from './folder-index.ts';
import { readBody } from './message.ts';
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

/** The header of a raw message: the body is not needed and need not be parsed. */
function headerOf(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf >= 0) return raw.subarray(0, crlf + 4);
  const lf = raw.indexOf('\n\n');
  return lf >= 0 ? raw.subarray(0, lf + 2) : raw;
}

interface Cache {
  uidvalidity: number;
  byUid: Map<number, SortData>;
}
const caches = new WeakMap<FolderIndex, Cache>();

/** The sort data of these messages (rows of the index's folder), read from the store once. */
export async function sortDataFor(store: Store, index: FolderIndex, rows: readonly MessageRow[]): Promise<Map<number, SortData>> {
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
      data = sortDataOf(parseMessage(headerOf(await readBody(store, row.blob_hash, Number(row.size)))));
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
