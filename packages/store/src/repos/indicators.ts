import { sql } from 'kysely';
import type { DocumentFacts, IndicatorDirection, IndicatorEventGroup, MailboxType } from '@mss/domain';
import type { IndicatorEventsTable } from '../schema.ts';
import { chunkRows, isoNow, type RepoContext } from './executor.ts';

/** One message sent, or delivered into one mailbox, for the Ségur indicators' ledger. */
export interface NewIndicatorEvent {
  direction: IndicatorDirection;
  /** `YYYY-MM` (domain's `indicatorPeriod`). */
  period: string;
  idnat: string;
  mailboxId: number;
  mailbox: string;
  mailboxType: MailboxType;
  messageRef: string;
  documents: DocumentFacts;
  mes: boolean;
}

const joined = (values: readonly string[]): string => values.join(' ');
const split = (value: string): string[] => (value === '' ? [] : value.split(' '));

/** The ledger's rows of some events, stamped `at`. */
export function ledgerRows(events: readonly NewIndicatorEvent[], at: string): Omit<IndicatorEventsTable, 'id'>[] {
  return events.map((e) => ({
    at,
    period: e.period,
    direction: e.direction,
    idnat: e.idnat,
    mailbox_id: e.mailboxId,
    mailbox: e.mailbox.toLowerCase(),
    mailbox_type: e.mailboxType,
    message_ref: e.messageRef,
    // Codes and kinds are tokens without spaces (LOINC codes, our kinds): one space joins them.
    document_types: joined(e.documents.typeCodes.map((c) => c.replace(/\s+/g, ''))),
    ins_qualified: e.documents.insQualified ? 1 : 0,
    mes: e.mes ? 1 : 0,
    mismatches: joined(e.documents.mismatches),
  }));
}

/**
 * The ledger of the Ségur indicators (R-IND-1): written only inside the transaction that stores
 * or queues the message it counts (so a count exists exactly when its message does), read by
 * month as groups of identical events that the domain's `indicatorRows` turns into an export.
 */
export class IndicatorRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async record(events: readonly NewIndicatorEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = ledgerRows(events, isoNow(this.ctx));
    for (const chunk of chunkRows(rows, 12)) await this.ctx.db.insertInto('indicator_events').values(chunk).execute();
  }

  /** The month's events grouped where identical; only one person's (sent or attributed) with `idnat`. */
  async groups(period: string, filter: { idnat?: string } = {}): Promise<IndicatorEventGroup[]> {
    let q = this.ctx.db
      .selectFrom('indicator_events')
      .select(['direction', 'idnat', 'mailbox', 'mailbox_type', 'document_types', 'ins_qualified', 'mes', 'mismatches'])
      .select(sql<number | string>`count(*)`.as('events'))
      .where('period', '=', period);
    if (filter.idnat !== undefined) q = q.where('idnat', '=', filter.idnat);
    const rows = await q
      .groupBy(['direction', 'idnat', 'mailbox', 'mailbox_type', 'document_types', 'ins_qualified', 'mes', 'mismatches'])
      .execute();
    return rows.map((r) => ({
      direction: r.direction,
      idnat: r.idnat,
      mailbox: r.mailbox,
      mailboxType: r.mailbox_type,
      documents: { typeCodes: split(r.document_types), insQualified: Number(r.ins_qualified) === 1, mismatches: split(r.mismatches) },
      mes: Number(r.mes) === 1,
      // PostgreSQL's count(*) is a bigint, which pg hands over as text.
      events: Number(r.events),
    }));
  }

  /** How many events of a direction the ledger holds for a month (tests, checks). */
  async count(period: string, direction: IndicatorDirection): Promise<number> {
    const r = await this.ctx.db
      .selectFrom('indicator_events')
      .select(sql<number | string>`count(*)`.as('n'))
      .where('period', '=', period)
      .where('direction', '=', direction)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The message refs counted in a direction (each once per event), for reconciliation. */
  async messageRefs(direction: IndicatorDirection): Promise<string[]> {
    const rows = await this.ctx.db.selectFrom('indicator_events').select('message_ref').where('direction', '=', direction).execute();
    return rows.map((r) => r.message_ref);
  }
}
