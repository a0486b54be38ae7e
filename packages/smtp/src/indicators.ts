// What a message adds to the Ségur indicators (R-IND-1, R-CAB-8), written into the ledger in the
// transaction that delivers or queues it (`deliverLocally`): one event per message sent, counted
// for the person who acted, and one per local mailbox that received it.

import {
  documentFactsFromHeaders,
  documentFactsFromOutcome,
  indicatorPeriod,
  isMesAddress,
  type DocumentCheckOutcome,
  type DocumentFacts,
  type MailboxType,
} from '@mss/domain';
import type { MssHeaders } from '@mss/mime';
import type { MailboxRow, NewIndicatorEvent, Repositories } from '@mss/store';

/**
 * The documents a message carries, as the indicators count them: what the submission's check of
 * its IHE_XDM attachments found (R-DOC-2) when it ran, otherwise what the sending software
 * declares in X-MSS-CODECDA and X-MSS-INS (§9) — all the relay knows of another operator's mail.
 */
export function documentFacts(mss: MssHeaders, check?: DocumentCheckOutcome): DocumentFacts {
  return check ? documentFactsFromOutcome(check) : documentFactsFromHeaders(mss);
}

/** What the ledger needs of a message to count its deliveries. */
export interface CountedMessage {
  /** Our id of it (the 250 reply's). */
  ref: string;
  receivedAt: Date;
  documents: DocumentFacts;
  /** It comes from a patient's Mon Espace Santé mailbox. */
  fromMes: boolean;
  /** Events written with the copies' in the same statement (submission: the message sent). */
  with?: readonly NewIndicatorEvent[];
}

/** The address of a `From:` field as decoded (`Name <addr>` or `addr`), lower-cased. */
function fromAddress(from: string | null): string | null {
  if (!from) return null;
  const angle = /<([^<>]*)>\s*$/.exec(from);
  return (angle ? angle[1]! : from).trim().toLowerCase();
}

/** A message received from Mon Espace Santé: by its envelope sender, or the `From:` a patient's messages carry (R-MES-3). */
export function fromMes(mailFrom: string, from: string | null): boolean {
  const header = fromAddress(from);
  return isMesAddress(mailFrom) || (header !== null && isMesAddress(header));
}

/** One local mailbox received the message: counted for its holder of record (nobody acts at delivery). */
export function receivedEvent(box: Pick<MailboxRow, 'id' | 'address' | 'type' | 'owner_idnat'>, m: CountedMessage): NewIndicatorEvent {
  return {
    direction: 'received',
    period: indicatorPeriod(m.receivedAt),
    idnat: box.owner_idnat,
    mailboxId: box.id,
    mailbox: box.address,
    mailboxType: box.type,
    messageRef: m.ref,
    documents: m.documents,
    mes: m.fromMes,
  };
}

/**
 * Who a sent message counts for (R-CAB-8): the person who acted; for an APP's software, its
 * structure (the APP's attachment, read just before the delivery transaction: a transfer at that
 * very moment counts the message for the structure that held the mailbox when it was sent).
 */
export async function actingIdnat(
  repos: Repositories,
  author: { idnat: string; role: string },
  sender: { mailboxId: number },
): Promise<string> {
  if (author.role !== 'application') return author.idnat;
  const box = await repos.mailboxes.byId(sender.mailboxId);
  return box?.owner_idnat ?? author.idnat;
}

/** The message sent, once, whatever its number of recipients. */
export function sentEvent(m: {
  ref: string;
  receivedAt: Date;
  actor: string;
  sender: { mailboxId: number; address: string; type: MailboxType };
  recipients: readonly { address: string }[];
  documents: DocumentFacts;
}): NewIndicatorEvent {
  return {
    direction: 'sent',
    period: indicatorPeriod(m.receivedAt),
    idnat: m.actor,
    mailboxId: m.sender.mailboxId,
    mailbox: m.sender.address,
    mailboxType: m.sender.type,
    messageRef: m.ref,
    documents: m.documents,
    mes: m.recipients.some((r) => isMesAddress(r.address)),
  };
}
