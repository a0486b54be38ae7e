// The one ingestion step of a message, whichever way it enters the store: SMTP submission's local
// delivery, the relay from other operators, IMAP APPEND, a DSN filed in a sender's INBOX. Its
// result is what `MailRepo.appendMessage` requires, so no way in can skip it; it is computed
// before the delivery transaction (parsing is pure CPU) and written inside it, with the message's
// row. Readers encode from it (IMAP ENVELOPE/BODYSTRUCTURE, header SEARCH) and never write.

import { messageData, type MimeNode, type SearchHeaderValues, type StoredMessage, type ThreadKeys } from '@mss/mime';

/** A message's derived columns, as stored: metadata, and the neutral structure and search values as JSON. */
export interface IngestedMessage {
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly fromAddr: string | null;
  readonly toAddrs: string | null;
  readonly sentDate: string | null;
  /** JSON of `StoredMessage` (@mss/mime): the envelope and the MIME part tree. */
  readonly structure: string;
  /** JSON of `SearchHeaderValues` (@mss/mime). */
  readonly searchHeaders: string;
  /** What gives the message its thread in the mailbox it is stored in (threads.ts); not a column itself. */
  readonly thread: ThreadKeys;
}

/** Parses the message (once) and gives what its row keeps. Pure; never throws on bad input. */
export function ingestMessage(raw: Uint8Array, parsed?: MimeNode): IngestedMessage {
  const d = messageData(raw, parsed);
  return {
    messageId: d.messageId,
    subject: d.subject,
    fromAddr: d.fromAddr,
    toAddrs: d.toAddrs,
    sentDate: d.sentDate,
    structure: JSON.stringify(d.structure),
    searchHeaders: JSON.stringify(d.search),
    thread: d.thread,
  };
}

/** The stored structure of a row (written by `ingestMessage`). */
export function parseStructure(json: string): StoredMessage {
  return JSON.parse(json) as StoredMessage;
}

export function parseSearchHeaders(json: string): SearchHeaderValues {
  return JSON.parse(json) as SearchHeaderValues;
}
