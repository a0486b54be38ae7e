// What is computed once from a message's bytes when it enters the store, whichever way it came
// (SMTP submission or relay, IMAP APPEND, a DSN filed by the operator): the columns the store
// keeps about it, the neutral structure (stored.ts) and the decoded header values SEARCH
// compares. Readers encode from these; nobody parses the message again to answer ENVELOPE,
// BODYSTRUCTURE or a header SEARCH.

import { parseMessageDate } from './date.ts';
import { decodedHeader, unfoldedHeader } from './headers.ts';
import { headerValuesForSearch } from './search.ts';
import { parseMessage } from './parser.ts';
import { storedMessage, type StoredMessage } from './stored.ts';
import { threadKeys, type ThreadKeys } from './thread-keys.ts';
import type { MimeNode } from './types.ts';

/** The decoded values of From, To, Cc, Bcc and Subject (RFC 3501 §6.4.4), every field of each. */
export interface SearchHeaderValues {
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  readonly cc?: readonly string[];
  readonly bcc?: readonly string[];
  readonly subject?: readonly string[];
}

export interface MessageData {
  /** Message-ID as written; Subject, From and To decoded (RFC 2047); Date as ISO-8601 UTC. */
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly fromAddr: string | null;
  readonly toAddrs: string | null;
  readonly sentDate: string | null;
  readonly structure: StoredMessage;
  readonly search: SearchHeaderValues;
  /** What threading compares (the store gives the message its thread when it stores it). */
  readonly thread: ThreadKeys;
}

/** The Date header as a time, read by the one RFC 5322 date reader SENT* searches use; null when absent or unreadable. */
export function sentDate(root: MimeNode): Date | null {
  const d = unfoldedHeader(root, 'Date');
  const parsed = d ? parseMessageDate(d) : null;
  return parsed ? new Date(parsed.epochMs) : null;
}

export function searchHeaderValues(root: MimeNode): SearchHeaderValues {
  return {
    from: headerValuesForSearch(root, 'FROM'),
    to: headerValuesForSearch(root, 'TO'),
    cc: headerValuesForSearch(root, 'CC'),
    bcc: headerValuesForSearch(root, 'BCC'),
    subject: headerValuesForSearch(root, 'SUBJECT'),
  };
}

/** Parses `raw` once and derives everything the store keeps about the message. */
export function messageData(raw: Uint8Array, parsed?: MimeNode): MessageData {
  const root = parsed ?? parseMessage(raw);
  return {
    messageId: unfoldedHeader(root, 'Message-ID'),
    subject: decodedHeader(root, 'Subject'),
    fromAddr: decodedHeader(root, 'From'),
    toAddrs: decodedHeader(root, 'To'),
    sentDate: sentDate(root)?.toISOString() ?? null,
    structure: storedMessage(root),
    search: searchHeaderValues(root),
    thread: threadKeys(root),
  };
}
