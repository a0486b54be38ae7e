// A message's conversation in its mailbox (JMAP threads, RFC 8621 §3), given once, when the
// message is stored, whichever way it came (SMTP delivery, IMAP APPEND, JMAP import or create, a
// DSN): `MailRepo.appendMessage` calls `threadFor` in the delivery's transaction. The rule, and
// why (docs/choices.md, "JMAP threads"): a message joins the thread of a message it names or
// that names it — its own Message-ID, then In-Reply-To and References from the nearest ancestor
// back — when their subjects match once reply and forward prefixes are taken off; otherwise it
// starts a thread of its own. A thread id never changes once given (RFC 8621 §4.1.1: immutable),
// so two threads a late message would bridge are not merged: it joins the nearest.

import type { ThreadKeys } from '@mss/mime';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** A thread started by a message: `T` and the digits of its EMAILID (object-ids.ts), unique per mailbox. */
export function newThreadId(blobHash: string): string {
  return `T${blobHash.slice(0, 32)}`;
}

/** Subjects are compared on this many characters (the column keeps no more). */
const SUBJECT_KEPT = 200;

/**
 * What `threadFor` looks for: the msg-ids a message names, nearest first (its own, then its
 * references from the last), once each, and its subject as compared. Also the single-statement
 * delivery's on PostgreSQL (repos/delivery.ts), which applies the same rule in SQL.
 */
export function threadLookup(keys: ThreadKeys): { ids: string[]; subject: string } {
  const ids = [...new Set([...(keys.messageId ? [keys.messageId] : []), ...[...keys.references].reverse()])];
  return { ids, subject: keys.subject.slice(0, SUBJECT_KEPT) };
}

/**
 * The thread of a message about to be stored in `mailboxId`, recording the msg-ids it names so
 * that the messages arriving after it find it. Runs inside the caller's transaction. Two related
 * messages stored at the same instant by two transactions may each start a thread (the second
 * recording nothing new): a race a mailbox's conversations survive.
 */
export async function threadFor(
  db: Kysely<Database> | Transaction<Database>,
  mailboxId: number,
  keys: ThreadKeys,
  blobHash: string,
): Promise<string> {
  const { ids, subject } = threadLookup(keys);
  if (ids.length === 0) return newThreadId(blobHash);
  const known = new Map(
    (
      await db
        .selectFrom('mail_thread_refs')
        .select(['message_id', 'thread_id', 'subject'])
        .where('mailbox_id', '=', mailboxId)
        .where('message_id', 'in', ids)
        .execute()
    ).map((r) => [r.message_id, r]),
  );
  let thread: string | undefined;
  for (const id of ids) {
    const k = known.get(id);
    if (k && k.subject === subject) {
      thread = k.thread_id;
      break;
    }
  }
  thread ??= newThreadId(blobHash);
  const fresh = ids.filter((id) => !known.has(id));
  if (fresh.length > 0) {
    await db
      .insertInto('mail_thread_refs')
      .values(fresh.map((message_id) => ({ mailbox_id: mailboxId, message_id, thread_id: thread, subject })))
      .onConflict((oc) => oc.columns(['mailbox_id', 'message_id']).doNothing())
      .execute();
  }
  return thread;
}
