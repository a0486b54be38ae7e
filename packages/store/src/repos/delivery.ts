// The statements of a delivery into local INBOXes (SMTP submission and relay, `deliverLocally` in
// @mss/smtp), few because each is a round trip on PostgreSQL, where a group commit's deliveries
// run one after the other on one connection (bench/README.md: about 12 statements per delivery
// made PostgreSQL's delivery rate half of SQLite's). Two per delivery: `targets` reads what the
// checks need of every recipient at once (the mailbox, its usage, its INBOX); `file` stores the
// copies with their thread, UIDs and MODSEQs, the indicators' events and the sender's audit row —
// on PostgreSQL in one statement, on SQLite (calls within the process) with the repositories'
// usual methods.

import { CompiledQuery, sql, type Compilable } from 'kysely';
import { MssError } from '@mss/runtime';
import type { MailboxesTable, MailboxRow } from '../schema.ts';
import { newThreadId, threadLookup } from '../threads.ts';
import { PREPARED } from '../engine/open.ts';
import { isoNow, type RepoContext } from './executor.ts';
import { ledgerRows, IndicatorRepo, type NewIndicatorEvent } from './indicators.ts';
import { AuditRepo, type AuditRecord } from './audit.ts';
import { MailRepo, messageColumns, type NewMessage } from './mail.ts';

/** What a delivery checks of a recipient mailbox before storing (R-BAL status, quota) and where it stores. */
export interface DeliveryTarget {
  box: MailboxRow;
  /** Bytes and messages over all its folders (as `MailRepo.usage`). */
  usage: { storage: number; messages: number };
  /** Its INBOX's folder id; null until the mailbox's first message or login makes it. */
  inboxId: number | null;
}

/** A copy to store: the INBOX (folder) of a recipient mailbox. */
export interface DeliveryCopy {
  folderId: number;
  mailboxId: number;
}

/** What a delivery writes besides its copies, in the same statement on PostgreSQL. */
export interface DeliveryRecords {
  /** The indicators' events (R-IND-1): one per copy received, the message sent. */
  events?: readonly NewIndicatorEvent[];
  /** The audit row of a message sent (R-CAB-9). */
  audit?: AuditRecord;
}

/** A stored copy: its row id (`mail_messages.id`) and UID. */
export interface FiledCopy {
  folderId: number;
  messageId: number;
  uid: number;
}

/** Every column of a mailbox row (schema.ts), as a delivery's checks read it. */
const MAILBOX_COLUMNS = [
  'id',
  'address',
  'address_key',
  'type',
  'status',
  'owner_idnat',
  'situation_id',
  'liste_rouge',
  'description',
  'service',
  'digitization',
  'created_at',
  'updated_at',
  'closed_at',
  'released_at',
  'last_uidvalidity',
] as const satisfies readonly (keyof MailboxesTable)[];

export class DeliveryRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  /** The recipients' mailboxes by id, each with its usage and INBOX, in one statement; a missing one is absent. */
  async targets(mailboxIds: readonly number[]): Promise<Map<number, DeliveryTarget>> {
    if (mailboxIds.length === 0) return new Map();
    const rows = await this.prepared(this.withUsage().where('m.id', 'in', [...mailboxIds]));
    return new Map(rows.map((r) => [Number(r.id), targetOf(r)]));
  }

  /** RCPT's lookup: the mailbox holding an address (closed ones included until released), with its usage, in one statement. */
  async targetByKey(addressKey: string): Promise<DeliveryTarget | undefined> {
    const [r] = await this.prepared(this.withUsage().where('m.address_key', '=', addressKey).where('m.released_at', 'is', null));
    return r ? targetOf(r) : undefined;
  }

  /** Runs a query as a statement prepared once per connection on PostgreSQL (`PREPARED`: parsing and planning it cost more than running it). */
  private async prepared<R>(query: Compilable<R>): Promise<R[]> {
    const c = query.compile();
    const text = this.ctx.engine === 'postgres' ? `${PREPARED}\n${c.sql}` : c.sql;
    return (await this.ctx.db.executeQuery(CompiledQuery.raw(text, [...c.parameters]) as CompiledQuery<R>)).rows;
  }

  private withUsage() {
    return (
      this.ctx.db
        .selectFrom('mailboxes as m')
        // Named columns, not `m.*`: a kept plan's result cannot change under it (see PREPARED).
        .select(MAILBOX_COLUMNS.map((c) => `m.${c}` as const))
        .select((eb) => [
          eb
            .selectFrom('mail_folders as f')
            .select((f) => f.fn.sum<number>('f.storage_used').as('s'))
            .whereRef('f.mailbox_id', '=', 'm.id')
            .as('usage_storage'),
          eb
            .selectFrom('mail_folders as f')
            .select((f) => f.fn.sum<number>('f.message_count').as('n'))
            .whereRef('f.mailbox_id', '=', 'm.id')
            .as('usage_messages'),
          eb
            .selectFrom('mail_folders as f')
            .select('f.id')
            .whereRef('f.mailbox_id', '=', 'm.id')
            .where('f.name', '=', 'INBOX')
            .as('inbox_id'),
        ])
    );
  }

  /**
   * Stores one message in each of `copies` (distinct mailboxes, each copy in its own folder),
   * each joining its conversation in its mailbox (threads.ts), each with the next UID and MODSEQ
   * of its folder (row-locked: concurrent writers on other nodes wait, then take the next), and
   * writes `records` (events, audit row). Returns the copies in the order given.
   */
  async file(message: NewMessage, copies: readonly DeliveryCopy[], records: DeliveryRecords = {}): Promise<FiledCopy[]> {
    if (new Set(copies.map((c) => c.folderId)).size !== copies.length || new Set(copies.map((c) => c.mailboxId)).size !== copies.length)
      throw new Error('DeliveryRepo.file: one copy per mailbox and folder');
    if (this.ctx.engine === 'postgres') return this.filePg(message, copies, records);
    const mail = new MailRepo(this.ctx);
    const filed: FiledCopy[] = [];
    for (const c of copies) {
      const row = await mail.appendMessage(c.folderId, message);
      filed.push({ folderId: c.folderId, messageId: Number(row.id), uid: Number(row.uid) });
    }
    await new IndicatorRepo(this.ctx).record(records.events ?? []);
    if (records.audit) await new AuditRepo(this.ctx).append(records.audit);
    return filed;
  }

  /**
   * `file` as one PostgreSQL statement: data-modifying CTEs that take each folder's next UID and
   * MODSEQ (the UPDATE locks the row, as `MailRepo.bump` does), give each mailbox's copy its
   * thread by `threadFor`'s rule (the known msg-ids of the mailbox, nearest first, whose subject
   * matches; the message's msg-ids not known yet recorded), insert the rows, the events and the
   * audit row. Without copies (every recipient elsewhere) the same statement writes the records.
   */
  private async filePg(message: NewMessage, copies: readonly DeliveryCopy[], records: DeliveryRecords): Promise<FiledCopy[]> {
    const now = isoNow(this.ctx);
    const col = messageColumns(message, now);
    const { ids, subject } = threadLookup(message.data.thread);
    const started = newThreadId(message.blobHash);
    const threads =
      ids.length === 0
        ? sql`threads (mailbox_id, thread_id) as (select c.mailbox_id, ${started}::text from copies c)`
        : sql`keys (message_id, n) as (select * from unnest(${ids}::text[]) with ordinality),
      known as (
        select r.mailbox_id, r.message_id, r.thread_id, r.subject from mail_thread_refs r
        where r.mailbox_id in (select mailbox_id from copies) and r.message_id in (select message_id from keys)),
      threads (mailbox_id, thread_id) as (
        select c.mailbox_id, coalesce(
          (select k.thread_id from keys join known k on k.message_id = keys.message_id
            where k.mailbox_id = c.mailbox_id and k.subject = ${subject}::text order by keys.n limit 1),
          ${started}::text)
        from copies c),
      refs as (
        insert into mail_thread_refs (mailbox_id, message_id, thread_id, subject)
        select t.mailbox_id, keys.message_id, t.thread_id, ${subject}::text from threads t cross join keys
        where not exists (select 1 from known k where k.mailbox_id = t.mailbox_id and k.message_id = keys.message_id)
        on conflict (mailbox_id, message_id) do nothing)`;
    const rows = ledgerRows(records.events ?? [], now);
    const counted =
      rows.length === 0
        ? sql``
        : sql`, counted as (
        insert into indicator_events
          (at, period, direction, idnat, mailbox_id, mailbox, mailbox_type, message_ref, document_types, ins_qualified, mes, mismatches)
        select * from unnest(${rows.map((r) => r.at)}::text[], ${rows.map((r) => r.period)}::text[],
          ${rows.map((r) => r.direction)}::text[], ${rows.map((r) => r.idnat)}::text[], ${rows.map((r) => r.mailbox_id)}::bigint[],
          ${rows.map((r) => r.mailbox)}::text[], ${rows.map((r) => r.mailbox_type)}::text[], ${rows.map((r) => r.message_ref)}::text[],
          ${rows.map((r) => r.document_types)}::text[], ${rows.map((r) => r.ins_qualified)}::integer[],
          ${rows.map((r) => r.mes)}::integer[], ${rows.map((r) => r.mismatches)}::text[]))`;
    const a = records.audit;
    const audited = !a
      ? sql``
      : sql`, audited as (
        insert into access_audit (at, idnat, mailbox, action, channel, client_id, outcome, reason, role)
        values (${a.at ?? now}::text, ${a.idnat}::text, ${a.mailbox?.toLowerCase() ?? null}::text, ${a.action}::text, ${a.channel}::text,
          ${a.client_id}::text, ${a.outcome}::text, ${a.reason}::text, ${a.role}::text))`;
    // Prepared once per connection: parsing and planning this statement cost more than running it.
    const result = await sql<{ id: number; folder_id: number; uid: number }>`${sql.raw(PREPARED)}
      with copies (folder_id, mailbox_id) as (
        select * from unnest(${copies.map((c) => c.folderId)}::bigint[], ${copies.map((c) => c.mailboxId)}::bigint[])),
      ${threads},
      bumped as (
        update mail_folders f set uidnext = f.uidnext + 1, highest_modseq = f.highest_modseq + 1,
          storage_used = f.storage_used + ${col.size}::bigint, message_count = f.message_count + 1
        from copies c where f.id = c.folder_id and f.mailbox_id = c.mailbox_id
        returning f.id, f.mailbox_id, f.uidnext - 1 as uid, f.highest_modseq as modseq),
      stored as (
        insert into mail_messages (folder_id, uid, modseq, flags, internal_date, size, blob_hash, author_idnat, message_id,
          subject, from_addr, to_addrs, sent_date, structure, search_headers, saved_at, thread_id)
        select b.id, b.uid, b.modseq, ${col.flags}::text, ${col.internal_date}::text, ${col.size}::bigint, ${col.blob_hash}::text,
          ${col.author_idnat}::text, ${col.message_id}::text, ${col.subject}::text, ${col.from_addr}::text, ${col.to_addrs}::text,
          ${col.sent_date}::text, ${col.structure}::text, ${col.search_headers}::text, ${col.saved_at}::text, t.thread_id
        from bumped b join threads t on t.mailbox_id = b.mailbox_id
        returning id, folder_id, uid)${counted}${audited}
      select id, folder_id, uid from stored`.execute(this.ctx.db);
    const byFolder = new Map(result.rows.map((r) => [Number(r.folder_id), r]));
    return copies.map((c) => {
      const r = byFolder.get(c.folderId);
      // The folder is gone, or is not the mailbox's: the caller's transaction (or savepoint) is rolled back.
      if (!r) throw new MssError('FOLDER_MISSING', `folder ${c.folderId} of mailbox ${c.mailboxId} does not exist`);
      return { folderId: c.folderId, messageId: Number(r.id), uid: Number(r.uid) };
    });
  }
}

function targetOf(r: MailboxRow & { usage_storage: unknown; usage_messages: unknown; inbox_id: unknown }): DeliveryTarget {
  const { usage_storage, usage_messages, inbox_id, ...box } = r;
  return {
    box,
    // PostgreSQL's sum of a bigint is a numeric, handed over as text.
    usage: { storage: Number(usage_storage ?? 0), messages: Number(usage_messages ?? 0) },
    inboxId: inbox_id === null || inbox_id === undefined ? null : Number(inbox_id),
  };
}
