// The store side of a DSN, shared by the queue (failures, delay warnings) and local delivery
// (success reports): the report is built from the stored original and made durable before the
// transaction that files it, then filed in one of our mailboxes inside that transaction.

import type { IngestedMessage, Repositories, Store } from '@mss/store';
import { buildDsn, type DsnInput } from './dsn.ts';

/** A DSN whose blob is durable, ready to file or to queue. */
export interface WrittenDsn {
  hash: string;
  size: number;
  data: IngestedMessage;
}

/** Builds the DSN of a stored message (read by its blob hash) and makes it durable. */
export async function writeDsn(store: Store, input: Omit<DsnInput, 'original'> & { originalHash: string }): Promise<WrittenDsn> {
  const { originalHash, ...rest } = input;
  const bytes = buildDsn({ ...rest, original: await store.blobs.get(originalHash) });
  const { blobHash, size, data } = await store.ingest(bytes);
  return { hash: blobHash, size, data };
}

/**
 * Files a DSN in the INBOX of one of our mailboxes, inside the caller's transaction. A mailbox
 * closed meanwhile gets none (nobody is left to read it); the quota is not checked (a report is
 * small, and a full mailbox must not turn the delivery or the deferral it reports into a
 * failure). Returns the folder.
 */
export async function fileDsn(tx: Repositories, mailboxId: number, dsn: WrittenDsn): Promise<number | undefined> {
  const box = await tx.mailboxes.byId(mailboxId);
  if (!box || box.status === 'closed') return undefined;
  const inbox = await tx.mail.ensureFolder(box.id, 'INBOX');
  await tx.mail.appendMessage(inbox.id, { blobHash: dsn.hash, size: dsn.size, authorIdnat: null, data: dsn.data });
  return inbox.id;
}
