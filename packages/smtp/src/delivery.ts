// The seam between accepting a message and delivering it. The listener only calls
// `deliver(message)` once the blob is durable and the ingestion step has run, and answers 250
// only if it resolves. Submission and the relay both go through `deliverLocally`: local INBOXes,
// and what the caller writes with them (queue rows, audit, reports), in one transaction.

import type { MssHeaders } from '@mss/mime';
import { DEFAULT_MAILBOX_QUOTAS, receptionRefusal, type DocumentCheckOutcome, type MailboxQuotas, type MailboxType } from '@mss/domain';
import type { AuditRecord, BlobRef, IngestedMessage, MailboxRow, NewMessage, NewQueueEntry, Repositories, Store } from '@mss/store';
import { actingIdnat, documentFacts, receivedEvent, sentEvent, type CountedMessage } from './indicators.ts';
import { fileDsn } from './queue/dsn-filing.ts';
import { successRecipients, writeSuccessReport } from './success-report.ts';

/** RFC 3461 parameters of one RCPT, kept for the DSNs the queue will send. */
export interface RecipientDsn {
  notify: string[] | null;
  orcpt: string | null;
}

export type Recipient =
  | { kind: 'local'; address: string; mailboxId: number; dsn: RecipientDsn }
  | { kind: 'remote'; address: string; domain: string; dsn: RecipientDsn };

export interface SubmittedMessage {
  /** Ours: in the Received header, the 250 reply and the logs. */
  id: string;
  /** The stored bytes: our Received header, then the client's message. */
  blob: BlobRef;
  receivedAt: Date;
  /** The person who acted (R-CAB-8/9): recorded, never put in a header. */
  author: { idnat: string; role: string; clientId: string | null };
  /** The mailbox the message is sent as (`MAIL FROM` and `From:`). */
  sender: { address: string; mailboxId: number; type: MailboxType };
  envelope: {
    mailFrom: string;
    recipients: Recipient[];
    /** RFC 3461 RET and ENVID. */
    dsn: { ret: string | null; envid: string | null };
    bodyType: string;
    smtpUtf8: boolean;
  };
  /** What the ingestion step computed from the stored bytes (metadata, structure, search values). */
  data: IngestedMessage;
  mss: MssHeaders;
  /**
   * The Ref. #2 headers compared with the CDA documents of the IHE_XDM attachments (R-DOC-2),
   * for the record and the indicators (R-IND-1); absent until the submission checks have run.
   */
  documentCheck?: DocumentCheckOutcome;
}

export interface DeliveryReport {
  /** Folders that got a new message: the listener tells IMAP sessions after replying. */
  folderIds: number[];
  local: number;
  remote: number;
}

export type Deliver = (message: SubmittedMessage) => Promise<DeliveryReport>;

/** A recipient that was fine at RCPT and is not any more: the message is refused with 451. */
export class RecipientUnavailable extends Error {
  override readonly name = 'RecipientUnavailable';
  constructor() {
    super('a recipient mailbox is no longer active');
  }
}

/** A recipient mailbox that this message would take over its quota: refused with `552 5.2.2`. */
export class MailboxFull extends Error {
  override readonly name = 'MailboxFull';
  readonly address: string;
  constructor(address: string) {
    super(`mailbox ${address} is full`);
    this.address = address;
  }
}

/**
 * The audit row of a sent message (R-CAB-9): who acted, as which mailbox, for how many
 * recipients. Written with the copies (`LocalDelivery.audit`), so it exists if and only if the message does.
 */
export function sendAudit(message: SubmittedMessage): AuditRecord {
  return {
    idnat: message.author.idnat,
    mailbox: message.sender.address,
    action: 'smtp-send',
    channel: 'smtp',
    client_id: message.author.clientId,
    outcome: 'allowed',
    reason: `recipients=${message.envelope.recipients.length} id=${message.id}`,
    role: message.author.role,
  };
}

/** A copy of a message put in a local INBOX by `deliverLocally`. */
export interface StoredCopy {
  mailboxId: number;
  address: string;
  folderId: number;
  /** The row's id (`mail_messages.id`) and UID. */
  messageId: number;
  uid: number;
}

export interface LocalDeliveryOptions {
  store: Store;
  /** Takes the message for the recipients at other operators; must make it durable before resolving. */
  onRemote?: (message: SubmittedMessage) => Promise<void>;
  /**
   * The outbound queue: remote recipients become queue rows in the delivery transaction, and
   * the runner is woken once it commits. Takes precedence over `onRemote`.
   */
  queue?: { poke(): void };
  /** What a mailbox may hold, per type. Default: DEFAULT_MAILBOX_QUOTAS. */
  quotas?: MailboxQuotas;
  /**
   * Success reports (RFC 3461 NOTIFY=SUCCESS) for local recipients, filed in the sender's INBOX
   * in the delivery transaction, from this MTA name and domain. Without it none are made.
   */
  reports?: { name: string; operatorDomain: string };
}

/** The queue rows of a message's recipients at other operators. */
export function queueEntries(message: SubmittedMessage): NewQueueEntry[] {
  return message.envelope.recipients.flatMap((r) =>
    r.kind === 'remote'
      ? [
          {
            messageRef: message.id,
            blobHash: message.blob.hash,
            size: message.blob.size,
            senderAddress: message.sender.address,
            senderMailboxId: message.sender.mailboxId,
            authorIdnat: message.author.idnat,
            mailFrom: message.envelope.mailFrom,
            envid: message.envelope.dsn.envid,
            ret: message.envelope.dsn.ret,
            bodyType: message.envelope.bodyType,
            smtpUtf8: message.envelope.smtpUtf8,
            recipient: r.address,
            domain: r.domain,
            notify: r.dsn.notify,
            orcpt: r.dsn.orcpt,
          },
        ]
      : [],
  );
}

/** A message on its way into local INBOXes: durable blob, ingested data. */
export interface IncomingMessage {
  blob: BlobRef;
  data: IngestedMessage;
  receivedAt: Date;
  /** The person who submitted it (R-CAB-9); null for mail from another operator. */
  authorIdnat: string | null;
}

export interface LocalDelivery {
  message: IncomingMessage;
  /** Local recipients; a mailbox named twice gets one copy. */
  recipients: readonly { mailboxId: number; address: string }[];
  /** What each mailbox that gets a copy adds to the indicators (R-IND-1), in the same transaction. */
  counted: CountedMessage;
  /**
   * The relay's retry key (the sending operator and its id of the message): a recipient that
   * already got it (the sender lost our 250) is skipped, and each delivery is remembered.
   */
  retry?: { operator: string; traceId: string };
  /** The sender's audit row (R-CAB-9), written with the copies (one statement on PostgreSQL). */
  audit?: AuditRecord;
  /** Written in the same transaction once the INBOXes have it; returns more folders that changed. */
  also?: (tx: Repositories, outcome: { delivered: number; duplicates: number; copies: StoredCopy[] }) => Promise<number[] | void>;
}

export interface LocalOutcome {
  folderIds: number[];
  delivered: number;
  duplicates: number;
}

/**
 * The one delivery transaction of both listeners (group commit: concurrent sessions share one
 * durable commit, each still gets its own outcome): every local recipient's INBOX gets the
 * message with its ingested data, then `also` runs — all of it, or nothing.
 */
export function deliverLocally(store: Store, d: LocalDelivery, quotas?: MailboxQuotas): Promise<LocalOutcome> {
  const m = d.message;
  const row: NewMessage = {
    blobHash: m.blob.hash,
    size: m.blob.size,
    internalDate: m.receivedAt.toISOString(),
    authorIdnat: m.authorIdnat,
    data: m.data,
  };
  const recipients = [...new Map(d.recipients.map((r) => [r.mailboxId, r])).values()];
  return store.groupTransaction(async (tx) => {
    let duplicates = 0;
    const fresh: typeof recipients = [];
    for (const r of recipients) {
      if (d.retry && (await tx.queue.relaySeen(d.retry.operator, d.retry.traceId, r.address))) duplicates++;
      else fresh.push(r);
    }
    // Every recipient checked (in one read), then every copy stored (in one write on PostgreSQL):
    // a recipient that refuses refuses the whole delivery before anything is written.
    const targets = await tx.delivery.targets(fresh.map((r) => r.mailboxId));
    const inboxes: { r: (typeof recipients)[number]; box: MailboxRow; folderId: number }[] = [];
    for (const r of fresh) {
      const t = targets.get(r.mailboxId);
      if (!t) throw new RecipientUnavailable();
      const refusal = await receptionRefusal(
        t.box,
        async () => t.usage,
        { bytes: row.size, messages: 1 },
        quotas ?? DEFAULT_MAILBOX_QUOTAS,
      );
      if (refusal) throw refusal.kind === 'not-active' ? new RecipientUnavailable() : new MailboxFull(t.box.address);
      inboxes.push({ r, box: t.box, folderId: t.inboxId ?? (await tx.mail.ensureFolder(r.mailboxId, 'INBOX')).id });
    }
    // A retry's duplicates were counted with their first delivery: only new copies count.
    const events = [...inboxes.map((i) => receivedEvent(i.box, d.counted)), ...(d.counted.with ?? [])];
    const filed = await tx.delivery.file(
      row,
      inboxes.map((i) => ({ folderId: i.folderId, mailboxId: i.r.mailboxId })),
      { events, ...(d.audit ? { audit: d.audit } : {}) },
    );
    const copies: StoredCopy[] = inboxes.map((i, n) => ({
      mailboxId: i.r.mailboxId,
      address: i.r.address,
      folderId: i.folderId,
      messageId: filed[n]!.messageId,
      uid: filed[n]!.uid,
    }));
    if (d.retry) for (const i of inboxes) await tx.queue.recordRelaySeen(d.retry.operator, d.retry.traceId, i.r.address);
    const folderIds = copies.map((c) => c.folderId);
    const delivered = folderIds.length;
    const more = await d.also?.(tx, { delivered, duplicates, copies });
    if (more) folderIds.push(...more);
    return { folderIds, delivered, duplicates };
  });
}

/**
 * Submission's delivery: every local recipient's INBOX gets the message, the remote recipients
 * their queue rows, and the audit row is written, in one transaction — all of it or nothing.
 * (With `onRemote` instead of a queue, remote recipients are handed over first, so that a
 * refusal there leaves nothing delivered here and the client retries the whole message.)
 */
export function createLocalDelivery(options: LocalDeliveryOptions): Deliver {
  const { store, onRemote, queue, quotas, reports } = options;
  return async (message) => {
    const remote = message.envelope.recipients.filter((r) => r.kind === 'remote');
    if (remote.length > 0 && !queue) {
      if (!onRemote) throw new Error('remote recipients accepted without a queue or an onRemote handler');
      await onRemote(message);
    }
    const local = message.envelope.recipients.filter((r) => r.kind === 'local');
    const reported = reports ? successRecipients(message.envelope.recipients) : [];
    // Written (durable) before the transaction that files it: only when a RCPT asked for it.
    const report =
      reports && reported.length > 0
        ? await writeSuccessReport(store, {
            reportingMta: reports.name,
            operatorDomain: reports.operatorDomain,
            messageRef: message.id,
            envid: message.envelope.dsn.envid,
            arrivalDate: message.receivedAt,
            sender: message.sender.address,
            blobHash: message.blob.hash,
            recipients: reported,
          })
        : undefined;
    const documents = documentFacts(message.mss, message.documentCheck);
    // R-IND-1 / R-CAB-8: the message sent counts once, for the person who acted; written with
    // the local copies' events, in one statement of the delivery transaction.
    const sent = sentEvent({
      ref: message.id,
      receivedAt: message.receivedAt,
      actor: await actingIdnat(store, message.author, message.sender),
      sender: message.sender,
      recipients: message.envelope.recipients,
      documents,
    });
    const outcome = await deliverLocally(
      store,
      {
        message: { blob: message.blob, data: message.data, receivedAt: message.receivedAt, authorIdnat: message.author.idnat },
        recipients: local,
        counted: { ref: message.id, receivedAt: message.receivedAt, documents, fromMes: false, with: [sent] },
        audit: sendAudit(message),
        async also(tx) {
          if (queue) await tx.queue.enqueue(queueEntries(message));
          const folder = report ? await fileDsn(tx, message.sender.mailboxId, report) : undefined;
          return folder === undefined ? [] : [folder];
        },
      },
      quotas,
    );
    if (queue && remote.length > 0) queue.poke();
    return { folderIds: outcome.folderIds, local: outcome.delivered, remote: remote.length };
  };
}
