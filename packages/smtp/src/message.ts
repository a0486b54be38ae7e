// What the listener reads from a submitted message: only its header section, kept in memory
// while the whole message streams to disk, and parsed by @mss/mime.

import { headerAddresses, mssHeaders, parseMessage, rawHeaders, type MssHeaders } from '@mss/mime';
import type { DocumentCheckOutcome } from '@mss/domain';
import { replies, type SmtpReply } from './replies.ts';

const CRLF = Buffer.from('\r\n');
const END_OF_HEADERS = Buffer.from('\r\n\r\n');

/** Keeps the bytes up to the empty line that ends the header section, and no more. */
export class HeaderCollector {
  private head: Buffer = Buffer.alloc(0);
  private done = false;
  private overflow = false;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get tooLarge(): boolean {
    return this.overflow;
  }

  push(chunk: Buffer): void {
    if (this.done || this.overflow) return;
    const from = Math.max(0, this.head.length - 3);
    this.head = this.head.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.head, chunk]);
    // A message that starts with an empty line has an empty header section.
    if (this.head.length >= 2 && this.head.subarray(0, 2).equals(CRLF)) {
      this.head = this.head.subarray(0, 2);
      this.done = true;
      return;
    }
    const end = this.head.indexOf(END_OF_HEADERS, from);
    if (end >= 0 && end + 4 <= this.limit) {
      this.head = this.head.subarray(0, end + 4);
      this.done = true;
    } else if (end >= 0 || this.head.length > this.limit) {
      this.overflow = true;
      this.head = Buffer.alloc(0);
    }
  }

  /** The header section (or the whole message when it has no body). */
  bytes(): Buffer {
    return this.head;
  }
}

export interface CheckedHeaders {
  /** Ref. #2 headers (§9), for the indicators and the patient rules to come. */
  mss: MssHeaders;
  /** What the document checks found (R-DOC-2), once they ran on the whole message. */
  documentCheck?: DocumentCheckOutcome;
  /** Their one-line summary, when the message concerned documents (the 250 text). */
  documentSummary?: string;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Sends only as the mailbox opened: `From:` must be exactly that mailbox, and so must `Sender:`
 * when there is one. A second `From:` is refused outright, since readers disagree on which one
 * they show.
 */
export function checkHeaders(head: Buffer, mailbox: string): CheckedHeaders | SmtpReply {
  const root = parseMessage(head);
  const fromFields = rawHeaders(root, 'from').length;
  if (fromFields > 1) return replies.duplicateHeader('From');
  const from = headerAddresses(root, 'from');
  if (fromFields === 0 || from.length !== 1 || !same(from[0]!.address, mailbox)) return replies.headerFrom(mailbox);
  const senderFields = rawHeaders(root, 'sender').length;
  if (senderFields > 1) return replies.duplicateHeader('Sender');
  if (senderFields === 1) {
    const sender = headerAddresses(root, 'sender');
    if (sender.length !== 1 || !same(sender[0]!.address, mailbox)) return replies.headerSender(mailbox);
  }
  // The operator's own field (R-DOC-2's outcome for the recipient) must not arrive already written.
  if (rawHeaders(root, DOCUMENT_CHECK_FIELD.toLowerCase()).length > 0) return replies.reservedHeader(DOCUMENT_CHECK_FIELD);
  return { mss: mssHeaders(root) };
}

/** The field the stored copy carries for its recipients: which document checks passed (R-DOC-2). */
export const DOCUMENT_CHECK_FIELD = 'X-MSS-Document-Check';

/** What the relay reads of a message from another operator: no sender rule applies here. */
export function readHeaders(head: Buffer): CheckedHeaders & { traceId: string | null } {
  const root = parseMessage(head);
  return { mss: mssHeaders(root), traceId: sendingTraceId(rawHeaders(root, 'received')[0]) };
}

/**
 * The id the sending operator gave the message, from the topmost Received field (its own, as
 * every operator writes one before relaying what it accepted): with the peer's identity, the
 * key that makes a retry after a lost reply harmless.
 */
export function sendingTraceId(received: string | undefined): string | null {
  if (!received) return null;
  const m = /\bwith\s+\S+\s+id\s+([A-Za-z0-9._-]{6,64})\b/i.exec(received.replace(/\r?\n[ \t]+/g, ' '));
  return m ? m[1]! : null;
}
