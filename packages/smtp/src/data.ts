// The DATA phase shared by the submission and relay listeners: the message streams to a
// temporary blob behind our trace header; once its last byte is in, the listener's checks run,
// then the ingestion step (store's `ingestMessage`), and only then is the blob committed (fsync)
// and delivered. The reply is sent once, after
// delivery: a 250 means durable; anything that fails before answers 4xx/5xx and leaves nothing.

import { insertField, type MimeNode, parseMessage } from '@mss/mime';
import { ingestMessage, isStorageFull, type BlobRef, type IngestedMessage, type Store } from '@mss/store';
import { randomBytes } from 'node:crypto';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { receivedHeader } from './received.ts';
import type { SubmissionConnection } from './connection.ts';
import { MailboxFull, RecipientUnavailable } from './delivery.ts';
import { MessageReceiver, type ReceiverLimits } from './receiver.ts';
import { replies, SmtpReply } from './replies.ts';

/** What the Received header says of the TLS session, if any. */
export function tlsOf(session: SMTPServerSession): { version: string | null; name: string | null } | false {
  return session.tlsOptions ? { version: session.tlsOptions.version ?? null, name: session.tlsOptions.name ?? null } : false;
}

/** A new message of this session: our id for it, when it arrived, and our trace header. */
export function startMessage(session: SMTPServerSession, by: string): { id: string; receivedAt: Date; trace: string } {
  const id = randomBytes(8).toString('hex');
  const receivedAt = new Date();
  const trace = receivedHeader({
    helo: session.hostNameAppearsAs,
    clientHostname: session.clientHostname,
    remoteAddress: session.remoteAddress,
    by,
    protocol: session.envelope.smtpUtf8 ? `UTF8${session.transmissionType}` : session.transmissionType,
    id,
    tls: tlsOf(session),
    recipients: session.envelope.rcptTo.map((r) => r.address),
    date: receivedAt,
  });
  return { id, receivedAt, trace };
}

export interface Delivered {
  /** The 250 text (with its enhanced code). */
  text: string;
  /** Folders that got a message: told after the reply (IMAP IDLE). */
  folderIds: number[];
  /** Extra fields for the "accepted" log line. */
  log?: Record<string, unknown>;
}

export interface DataHandling<T> {
  conn: SubmissionConnection;
  store: Store;
  id: string;
  /** Our trace header, written before the client's bytes. */
  trace: string;
  limits: ReceiverLimits;
  /** Once the message is complete and within limits: a refusal, or what `deliver` needs. */
  check(head: Buffer): SmtpReply | T;
  /**
   * Checks that need the whole message (R-DOC-2), on the parse the ingestion step then reuses:
   * throws an SmtpReply to refuse; may give a header field for the stored copy (put below our trace field).
   */
  examine?(raw: Buffer, root: MimeNode, checked: T): Promise<Examined<T>>;
  /** Makes the committed blob visible where it goes, with its ingested data; throws to refuse with 4xx. */
  deliver(message: { blob: BlobRef; data: IngestedMessage }, checked: T): Promise<Delivered>;
}

export interface Examined<T> {
  checked: T;
  field: { name: string; value: string } | null;
}

export function receiveData<T>(
  stream: SMTPServerDataStream,
  h: DataHandling<T>,
  callback: (err?: Error | null, message?: string) => void,
): void {
  const { conn, store, id } = h;
  const receiver = new MessageReceiver(store, Buffer.from(h.trace, 'utf8'), h.limits);
  let settled = false;
  let replied = false;
  const answer = (err: SmtpReply | null, text?: string): void => {
    if (replied) return;
    replied = true;
    if (err) callback(err);
    else callback(null, text);
  };
  const refuse = async (r: SmtpReply | Error, level: 'info' | 'error' = 'info'): Promise<void> => {
    await receiver.abort();
    const reply =
      r instanceof SmtpReply
        ? r
        : r instanceof RecipientUnavailable
          ? replies.recipientUnavailableNow()
          : r instanceof MailboxFull
            ? replies.mailboxFullNow(r.address)
            : isStorageFull(r)
              ? replies.storageFull()
              : replies.localError();
    conn.log[level](
      { id, reply: reply.message, ...(r instanceof SmtpReply || r instanceof MailboxFull ? {} : { err: r }) },
      'smtp message refused',
    );
    answer(reply);
  };

  // The client went away mid-message: smtp-server destroys the stream; drop what we have.
  stream.once('error', () => {
    if (settled) return;
    settled = true;
    void receiver.abort();
    answer(replies.localError());
  });
  receiver.once('finish', () => {
    if (settled) return;
    settled = true;
    finish().catch((err: unknown) => refuse(err instanceof Error ? err : new Error(String(err)), 'error'));
  });
  stream.pipe(receiver);

  async function finish(): Promise<void> {
    // In this order: the connection's state outranks the message's.
    if (conn.bareNewline) {
      await refuse(replies.bareNewline(conn.bareNewline));
      conn.close();
      return;
    }
    if (conn.ended) return refuse(replies.sessionEnded(conn.ended));
    if (receiver.error) return refuse(receiver.error, receiver.error instanceof SmtpReply ? 'info' : 'error');
    const checked = h.check(receiver.headers.bytes());
    if (checked instanceof SmtpReply) return refuse(checked);
    let delivered: Delivered;
    try {
      // Parsed from memory before the commit hands the bytes to a blob worker; a message too big
      // to be held (spilled to disk) is read back once it is durable. One parse serves the
      // examination and the ingestion step.
      const held = await receiver.heldBytes();
      let examined: Examined<T> = { checked, field: null };
      let blob: BlobRef;
      let data: IngestedMessage;
      if (held) {
        const root = parseMessage(held);
        if (h.examine) examined = await h.examine(held, root, checked);
        if (examined.field) {
          // The stored copy has our field below our Received: a new blob, the held one dropped.
          const out = insertField(held, root, 1, examined.field.name, examined.field.value);
          data = ingestMessage(out.raw, out.root);
          await receiver.abort();
          blob = await store.blobs.put(out.raw);
        } else {
          data = ingestMessage(held, root);
          blob = await receiver.commit();
        }
      } else {
        blob = await receiver.commit();
        const raw = await store.blobs.get(blob.hash);
        const root = parseMessage(raw);
        // Refused after the commit: the durable blob is referenced by nothing (as after a crash).
        if (h.examine) examined = await h.examine(raw, root, checked);
        if (examined.field) {
          const out = insertField(raw, root, 1, examined.field.name, examined.field.value);
          data = ingestMessage(out.raw, out.root);
          blob = await store.blobs.put(out.raw);
        } else {
          data = ingestMessage(raw, root);
        }
      }
      delivered = await h.deliver({ blob, data }, examined.checked);
      conn.log.info({ id, ...delivered.log }, 'smtp message accepted');
      conn.accepted(conn.session.envelope.rcptTo.length);
    } catch (err) {
      return refuse(
        err instanceof SmtpReply || err instanceof Error ? err : new Error(String(err)),
        err instanceof SmtpReply ? 'info' : 'error',
      );
    }
    conn.delivered();
    answer(null, delivered.text);
    // After the reply: a listener's failure is not the sender's business any more.
    for (const folderId of delivered.folderIds) {
      try {
        store.notifyFolderChanged(folderId);
      } catch (err) {
        conn.log.error({ err, folderId }, 'folder change notification failed');
      }
    }
  }
}
