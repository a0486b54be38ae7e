import type { QueueRow, QueueStatus } from '../schema.ts';
import { isoNow, type RepoContext } from './executor.ts';

/** A recipient at another operator, queued with the message it belongs to. */
export interface NewQueueEntry {
  messageRef: string;
  blobHash: string;
  size: number;
  senderAddress: string;
  senderMailboxId: number;
  authorIdnat: string | null;
  mailFrom: string;
  envid: string | null;
  ret: string | null;
  bodyType: string;
  smtpUtf8: boolean;
  recipient: string;
  domain: string;
  notify: string[] | null;
  orcpt: string | null;
}

export interface QueueFilter {
  status?: QueueStatus | undefined;
  messageRef?: string | undefined;
  limit?: number | undefined;
}

/**
 * The outbound queue. Rows are claimed with a lease (their next attempt moved forward) rather
 * than locked, so that a sender that dies mid-delivery leaves them to be retried when the lease
 * runs out, and two senders never take the same row.
 */
export class QueueRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async enqueue(entries: readonly NewQueueEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = isoNow(this.ctx);
    await this.ctx.db
      .insertInto('smtp_queue')
      .values(
        entries.map((e) => ({
          message_ref: e.messageRef,
          blob_hash: e.blobHash,
          size: e.size,
          sender_address: e.senderAddress,
          sender_mailbox_id: e.senderMailboxId,
          author_idnat: e.authorIdnat,
          mail_from: e.mailFrom,
          envid: e.envid,
          ret: e.ret,
          body_type: e.bodyType,
          smtputf8: e.smtpUtf8 ? 1 : 0,
          recipient: e.recipient,
          domain: e.domain.toLowerCase(),
          notify: e.notify ? e.notify.join(',') : null,
          orcpt: e.orcpt,
          status: 'queued' as const,
          attempts: 0,
          created_at: now,
          next_attempt_at: now,
          claimed_by: null,
          last_attempt_at: null,
          last_error: null,
          done_at: null,
        })),
      )
      .execute();
  }

  /**
   * Takes up to `limit` due rows for sender `node`, pushing their next attempt `leaseMs` ahead.
   * Recording the attempt's outcome (delivered, deferred, failed) clears the claim.
   */
  async claimDue(limit: number, leaseMs: number, node = 'local'): Promise<QueueRow[]> {
    const now = this.ctx.now();
    if (this.ctx.engine === 'postgres') {
      // Several nodes: each takes due rows no other is taking at this instant (SKIP LOCKED), so
      // two senders claiming at once get two different batches rather than one getting nothing.
      const claimed = await this.ctx.db
        .updateTable('smtp_queue')
        .set({ next_attempt_at: new Date(now.getTime() + leaseMs).toISOString(), claimed_by: node })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('smtp_queue')
            .select('id')
            .where('status', '=', 'queued')
            .where('next_attempt_at', '<=', now.toISOString())
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .returningAll()
        .execute();
      return claimed.sort((a, b) => a.id - b.id);
    }
    const due = await this.ctx.db
      .selectFrom('smtp_queue')
      .select('id')
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now.toISOString())
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    if (due.length === 0) return [];
    // One statement; its conditions again, so that a row another sender took meanwhile is not taken twice.
    const claimed = await this.ctx.db
      .updateTable('smtp_queue')
      .set({ next_attempt_at: new Date(now.getTime() + leaseMs).toISOString(), claimed_by: node })
      .where(
        'id',
        'in',
        due.map((r) => r.id),
      )
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now.toISOString())
      .returningAll()
      .execute();
    const order = new Map(due.map((r, i) => [r.id, i]));
    return claimed.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  /**
   * A sender starting again releases what it had claimed when it stopped (killed mid-attempt):
   * those rows are due at once instead of waiting for their lease to run out.
   */
  async releaseClaims(node = 'local'): Promise<number> {
    const r = await this.ctx.db
      .updateTable('smtp_queue')
      .set({ next_attempt_at: isoNow(this.ctx), claimed_by: null })
      .where('status', '=', 'queued')
      .where('claimed_by', '=', node)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async markDelivered(ids: readonly number[], reply: string): Promise<void> {
    if (ids.length === 0) return;
    const now = isoNow(this.ctx);
    await this.ctx.db
      .updateTable('smtp_queue')
      .set((eb) => ({
        status: 'delivered',
        claimed_by: null,
        done_at: now,
        last_attempt_at: now,
        last_error: reply.slice(0, 500),
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .execute();
  }

  async markDeferred(ids: readonly number[], error: string, nextAttemptAt: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.ctx.db
      .updateTable('smtp_queue')
      .set((eb) => ({
        next_attempt_at: nextAttemptAt.toISOString(),
        claimed_by: null,
        last_attempt_at: isoNow(this.ctx),
        last_error: error.slice(0, 500),
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .execute();
  }

  /** Given up: permanent refusal or too old. The caller sends the DSN in the same transaction. */
  async markFailed(ids: readonly number[], error: string, countAttempt = true): Promise<void> {
    if (ids.length === 0) return;
    const now = isoNow(this.ctx);
    await this.ctx.db
      .updateTable('smtp_queue')
      .set((eb) => ({
        status: 'failed',
        claimed_by: null,
        done_at: now,
        last_error: error.slice(0, 500),
        ...(countAttempt ? { last_attempt_at: now, attempts: eb('attempts', '+', 1) } : {}),
      }))
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .execute();
  }

  async list(filter: QueueFilter = {}): Promise<QueueRow[]> {
    let q = this.ctx.db.selectFrom('smtp_queue').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.messageRef) q = q.where('message_ref', '=', filter.messageRef);
    return q
      .orderBy('id')
      .limit(filter.limit ?? 1000)
      .execute();
  }

  async byId(id: number): Promise<QueueRow | undefined> {
    return this.ctx.db.selectFrom('smtp_queue').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Rows still queued, by id or by message: due now. Returns how many. */
  async retryNow(target: { id?: number; messageRef?: string; all?: boolean }): Promise<number> {
    let q = this.ctx.db
      .updateTable('smtp_queue')
      .set({ next_attempt_at: isoNow(this.ctx), claimed_by: null })
      .where('status', '=', 'queued');
    if (target.id !== undefined) q = q.where('id', '=', target.id);
    else if (target.messageRef !== undefined) q = q.where('message_ref', '=', target.messageRef);
    else if (!target.all) return 0;
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  /** Rows still queued, by id or by message: never sent, no DSN. Returns the rows removed. */
  async remove(target: { id?: number; messageRef?: string }): Promise<QueueRow[]> {
    let sel = this.ctx.db.selectFrom('smtp_queue').selectAll().where('status', '=', 'queued');
    if (target.id !== undefined) sel = sel.where('id', '=', target.id);
    else if (target.messageRef !== undefined) sel = sel.where('message_ref', '=', target.messageRef);
    else return [];
    const rows = await sel.execute();
    if (rows.length === 0) return [];
    await this.ctx.db
      .updateTable('smtp_queue')
      .set({ status: 'removed', claimed_by: null, done_at: isoNow(this.ctx) })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('status', '=', 'queued')
      .execute();
    return rows;
  }

  /** The earliest next attempt of a queued row (the sender's next wake-up), if any. */
  async nextAttemptAt(): Promise<Date | undefined> {
    const r = await this.ctx.db
      .selectFrom('smtp_queue')
      .select('next_attempt_at')
      .where('status', '=', 'queued')
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    return r ? new Date(r.next_attempt_at) : undefined;
  }

  async counts(): Promise<Record<QueueStatus, number>> {
    const rows = await this.ctx.db
      .selectFrom('smtp_queue')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const out: Record<QueueStatus, number> = { queued: 0, delivered: 0, failed: 0, removed: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  /** Whether the relay already delivered this recipient of that sending operator's message. */
  async relaySeen(peer: string, traceId: string, recipient: string): Promise<boolean> {
    const r = await this.ctx.db
      .selectFrom('smtp_relay_seen')
      .select('id')
      .where('peer', '=', peer)
      .where('trace_id', '=', traceId)
      .where('recipient', '=', recipient.toLowerCase())
      .executeTakeFirst();
    return r !== undefined;
  }

  async recordRelaySeen(peer: string, traceId: string, recipient: string): Promise<void> {
    await this.ctx.db
      .insertInto('smtp_relay_seen')
      .values({ peer, trace_id: traceId, recipient: recipient.toLowerCase(), received_at: isoNow(this.ctx) })
      .execute();
  }
}
