import type { Repositories } from '@mss/store';
import { isoNow, repoContext, type RepoContext } from '@mss/store/engine';
import type { RppsPlusDatabase, RppsPlusEventRow, RppsPlusRequestRow, RppsPlusRequestsTable } from './schema.ts';

export type NewRppsPlusRequest = Omit<
  RppsPlusRequestsTable,
  | 'id'
  | 'status'
  | 'created_at'
  | 'decided_at'
  | 'decided_by'
  | 'refusal_reason'
  | 'person_idnat'
  | 'situation_id'
  | 'rpps_notice_at'
  | 'ecps_requested_at'
  | 'ecps_active_at'
  | 'end_date'
>;

export type RppsPlusRequestUpdate = Partial<
  Pick<
    RppsPlusRequestsTable,
    | 'status'
    | 'decided_at'
    | 'decided_by'
    | 'refusal_reason'
    | 'person_idnat'
    | 'situation_id'
    | 'rpps_notice_at'
    | 'ecps_requested_at'
    | 'ecps_active_at'
    | 'end_date'
  >
>;

/**
 * The RPPS+ portal's facts, in its own store: requests, the RPPS numbers handed out and each
 * request's append-only steps. The rules (who may decide, dates, delays) live in portal.ts.
 * Over the store's connection or one of its transactions (`store.transaction((tx) => … new RppsPlusRepo(tx))`).
 */
export class RppsPlusRepo {
  private readonly ctx: RepoContext<RppsPlusDatabase>;
  constructor(on: Repositories) {
    this.ctx = repoContext(on) as unknown as RepoContext<RppsPlusDatabase>;
  }

  async insertRequest(r: NewRppsPlusRequest): Promise<RppsPlusRequestRow> {
    return this.ctx.db
      .insertInto('rpps_plus_requests')
      .values({ ...r, status: 'pending', created_at: isoNow(this.ctx) })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async request(id: number): Promise<RppsPlusRequestRow | undefined> {
    return this.ctx.db.selectFrom('rpps_plus_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Changes a request only while it still has `expectedStatus`: false when someone else changed it first. */
  async updateRequest(id: number, expectedStatus: RppsPlusRequestRow['status'], change: RppsPlusRequestUpdate): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('rpps_plus_requests')
      .set(change)
      .where('id', '=', id)
      .where('status', '=', expectedStatus)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async requestsOfEmployer(employerIdnat: string): Promise<RppsPlusRequestRow[]> {
    return this.ctx.db
      .selectFrom('rpps_plus_requests')
      .selectAll()
      .where('employer_idnat', '=', employerIdnat)
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
  }

  async requestsOfApplicant(applicantSub: string): Promise<RppsPlusRequestRow[]> {
    return this.ctx.db
      .selectFrom('rpps_plus_requests')
      .selectAll()
      .where('applicant_sub', '=', applicantSub)
      .orderBy('id', 'desc')
      .limit(100)
      .execute();
  }

  async validatedRequests(): Promise<RppsPlusRequestRow[]> {
    return this.ctx.db.selectFrom('rpps_plus_requests').selectAll().where('status', '=', 'validated').orderBy('id').execute();
  }

  /** The validated requests that made this person (one per situation she was given). */
  async requestsOfPerson(personIdnat: string): Promise<RppsPlusRequestRow[]> {
    return this.ctx.db.selectFrom('rpps_plus_requests').selectAll().where('person_idnat', '=', personIdnat).orderBy('id').execute();
  }

  /** The highest RPPS handed out so far (11 digits sort as text), or undefined before the first. */
  async lastRpps(): Promise<string | undefined> {
    const row = await this.ctx.db.selectFrom('rpps_plus_numbers').select('rpps').orderBy('rpps', 'desc').limit(1).executeTakeFirst();
    return row?.rpps;
  }

  /** Records an RPPS as handed out; false when it already was (unique by the primary key). */
  async claimRpps(rpps: string, requestId: number): Promise<boolean> {
    const r = await this.ctx.db
      .insertInto('rpps_plus_numbers')
      .values({ rpps, request_id: requestId, allocated_at: isoNow(this.ctx) })
      .onConflict((oc) => oc.column('rpps').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async addEvent(e: { requestId: number; actor: string; action: string; detail?: string | null }): Promise<void> {
    await this.ctx.db
      .insertInto('rpps_plus_events')
      .values({ request_id: e.requestId, at: isoNow(this.ctx), actor: e.actor, action: e.action, detail: e.detail ?? null })
      .execute();
  }

  async events(requestIds: readonly number[]): Promise<RppsPlusEventRow[]> {
    if (requestIds.length === 0) return [];
    return this.ctx.db.selectFrom('rpps_plus_events').selectAll().where('request_id', 'in', requestIds).orderBy('id').execute();
  }
}
