// Stable object identifiers (RFC 8474 OBJECTID), shared by IMAP and the future JMAP server (their
// syntax fits both: 1 to 255 of A-Z a-z 0-9 _ -). docs/choices.md, "Object ids", says why.

/** A folder's MAILBOXID: its row id, never reused by either engine, and kept by RENAME. */
export function mailboxObjectId(folderId: number): string {
  return `F${folderId}`;
}

/**
 * A message's EMAILID: from the SHA-256 of its bytes (128 bits of it). Copies and moves keep it,
 * and byte-identical messages share it, as RFC 8474 §5.1 allows.
 */
export function emailObjectId(blobHash: string): string {
  return `M${blobHash.slice(0, 32)}`;
}

/** RFC 8474 §6 `objectid`. */
export const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;
