import { MssError } from '@mss/runtime';
import type { DelegationRow, HolderRow, MailboxRow, MailboxesTable } from '../schema.ts';
import { chunkRows, isoNow, isUniqueViolation, type RepoContext } from './executor.ts';

export interface NewMailbox {
  address: string;
  type: MailboxesTable['type'];
  ownerIdnat: string;
  situationId?: string | null;
  listeRouge?: boolean;
  description?: string | null;
  service?: string | null;
  digitization?: boolean;
  status?: MailboxesTable['status'];
}

export interface NewDelegation {
  mailboxId: number;
  delegateIdnat: string;
  grantedBy: string;
  /** ISO timestamp; now when omitted. */
  startAt?: string;
  endAt?: string | null;
}

export function addressKey(address: string): string {
  return address.trim().toLowerCase();
}

/** What a person is to a mailbox: one of its holder roles, or delegate. */
export interface MailboxMembership {
  mailbox: MailboxRow;
  role: HolderRow['role'] | 'delegate';
  delegation?: DelegationRow;
}

function activeDelegationFilter(at: string) {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's expression builder for whichever table joins delegations
  return (eb: any) =>
    eb.and([eb('revoked_at', 'is', null), eb('start_at', '<=', at), eb.or([eb('end_at', 'is', null), eb('end_at', '>', at)])]);
}

/**
 * Mailboxes, their holders (holder / responsible / owner / cotitulaire) and delegations.
 * Rules (who may do what) live in @mss/domain and @mss/access; this only stores facts.
 */
export class MailboxRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  private row(m: NewMailbox, at: string) {
    return {
      address: m.address.trim(),
      address_key: addressKey(m.address),
      type: m.type,
      status: m.status ?? ('active' as const),
      owner_idnat: m.ownerIdnat,
      situation_id: m.situationId ?? null,
      liste_rouge: m.listeRouge ? 1 : 0,
      description: m.description ?? null,
      service: m.service ?? null,
      digitization: m.digitization === false ? 0 : 1,
      created_at: at,
      updated_at: at,
      closed_at: null,
      released_at: null,
    };
  }

  /** Creates a mailbox; an address already held (case-insensitively) is refused (R-BAL-1). */
  async create(m: NewMailbox): Promise<MailboxRow> {
    try {
      return await this.ctx.db
        .insertInto('mailboxes')
        .values(this.row(m, isoNow(this.ctx)))
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new MssError('MAILBOX_ADDRESS_TAKEN', `mailbox address ${m.address} is already in use at this operator (R-BAL-1)`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Bulk insert for the seed; skips addresses already held so a re-run adds nothing twice. */
  async createMany(mailboxes: readonly NewMailbox[]): Promise<void> {
    const at = isoNow(this.ctx);
    for (const chunk of chunkRows(mailboxes, 15)) {
      await this.ctx.db
        .insertInto('mailboxes')
        .values(chunk.map((m) => this.row(m, at)))
        .onConflict((oc) => oc.column('address_key').where('released_at', 'is', null).doNothing())
        .execute();
    }
  }

  async byId(id: number): Promise<MailboxRow | undefined> {
    return this.ctx.db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The mailbox currently holding this address (closed ones included until released). */
  async byAddress(address: string): Promise<MailboxRow | undefined> {
    return this.ctx.db
      .selectFrom('mailboxes')
      .selectAll()
      .where('address_key', '=', addressKey(address))
      .where('released_at', 'is', null)
      .executeTakeFirst();
  }

  async idsByAddress(addresses: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunkRows(addresses, 1)) {
      const rows = await this.ctx.db
        .selectFrom('mailboxes')
        .select(['id', 'address_key'])
        .where('address_key', 'in', chunk.map(addressKey))
        .where('released_at', 'is', null)
        .execute();
      for (const r of rows) out.set(r.address_key, r.id);
    }
    return out;
  }

  async update(
    id: number,
    changes: Partial<
      Pick<MailboxRow, 'status' | 'liste_rouge' | 'description' | 'service' | 'digitization' | 'owner_idnat' | 'situation_id' | 'closed_at'>
    >,
  ): Promise<MailboxRow | undefined> {
    return this.ctx.db
      .updateTable('mailboxes')
      .set({ ...changes, updated_at: isoNow(this.ctx) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Frees a closed mailbox's address for a future holder (R-BAL-2: only ever explicitly). */
  async release(id: number): Promise<boolean> {
    const at = isoNow(this.ctx);
    const r = await this.ctx.db
      .updateTable('mailboxes')
      .set({ released_at: at, updated_at: at })
      .where('id', '=', id)
      .where('status', '=', 'closed')
      .where('released_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async list(filter: { type?: MailboxRow['type']; ownerIdnat?: string; limit?: number; afterId?: number } = {}): Promise<MailboxRow[]> {
    let q = this.ctx.db.selectFrom('mailboxes').selectAll().where('released_at', 'is', null);
    if (filter.type) q = q.where('type', '=', filter.type);
    if (filter.ownerIdnat) q = q.where('owner_idnat', '=', filter.ownerIdnat);
    if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
    return q
      .orderBy('id')
      .limit(filter.limit ?? 1000)
      .execute();
  }

  async count(): Promise<number> {
    const r = await this.ctx.db
      .selectFrom('mailboxes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // --- holders -------------------------------------------------------------------------------

  async addHolder(mailboxId: number, personIdnat: string, role: HolderRow['role'], addedBy: string | null): Promise<boolean> {
    const r = await this.ctx.db
      .insertInto('mailbox_holders')
      .values({ mailbox_id: mailboxId, person_idnat: personIdnat, role, added_at: isoNow(this.ctx), added_by: addedBy })
      .onConflict((oc) => oc.columns(['mailbox_id', 'person_idnat', 'role']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async addHolders(
    rows: readonly { mailboxId: number; personIdnat: string; role: HolderRow['role']; addedBy: string | null }[],
  ): Promise<void> {
    const at = isoNow(this.ctx);
    for (const chunk of chunkRows(rows, 5)) {
      await this.ctx.db
        .insertInto('mailbox_holders')
        .values(
          chunk.map((h) => ({ mailbox_id: h.mailboxId, person_idnat: h.personIdnat, role: h.role, added_at: at, added_by: h.addedBy })),
        )
        .onConflict((oc) => oc.columns(['mailbox_id', 'person_idnat', 'role']).doNothing())
        .execute();
    }
  }

  async removeHolder(mailboxId: number, personIdnat: string, role: HolderRow['role']): Promise<boolean> {
    const r = await this.ctx.db
      .deleteFrom('mailbox_holders')
      .where('mailbox_id', '=', mailboxId)
      .where('person_idnat', '=', personIdnat)
      .where('role', '=', role)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async holders(mailboxId: number): Promise<HolderRow[]> {
    return this.ctx.db
      .selectFrom('mailbox_holders')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .orderBy('role')
      .orderBy('added_at')
      .orderBy('person_idnat')
      .execute();
  }

  // --- delegations ---------------------------------------------------------------------------

  async grantDelegation(d: NewDelegation): Promise<DelegationRow> {
    return this.ctx.db.insertInto('delegations').values(this.delegationRow(d)).returningAll().executeTakeFirstOrThrow();
  }

  private delegationRow(d: NewDelegation) {
    return {
      mailbox_id: d.mailboxId,
      delegate_idnat: d.delegateIdnat,
      granted_by: d.grantedBy,
      start_at: d.startAt ?? isoNow(this.ctx),
      end_at: d.endAt ?? null,
      revoked_at: null,
      revoked_by: null,
      revoke_reason: null,
    };
  }

  async grantDelegations(rows: readonly NewDelegation[]): Promise<void> {
    for (const chunk of chunkRows(rows, 8)) {
      await this.ctx.db
        .insertInto('delegations')
        .values(chunk.map((d) => this.delegationRow(d)))
        .execute();
    }
  }

  /** Ends a delegation now; false if it was already ended or does not exist. */
  async revokeDelegation(id: number, by: string, reason: string): Promise<DelegationRow | undefined> {
    return this.ctx.db
      .updateTable('delegations')
      .set({ revoked_at: isoNow(this.ctx), revoked_by: by, revoke_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  async delegation(id: number): Promise<DelegationRow | undefined> {
    return this.ctx.db.selectFrom('delegations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Delegations in force at `at` (not revoked, started, end date not reached). */
  async activeDelegations(mailboxId: number, at = isoNow(this.ctx)): Promise<DelegationRow[]> {
    return this.ctx.db
      .selectFrom('delegations')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .where(activeDelegationFilter(at))
      .orderBy('id')
      .execute();
  }

  async delegations(mailboxId: number): Promise<DelegationRow[]> {
    return this.ctx.db.selectFrom('delegations').selectAll().where('mailbox_id', '=', mailboxId).orderBy('id').execute();
  }

  /** Delegations whose end date has passed but that no one has closed yet (for the scheduler). */
  async lapsedDelegations(at = isoNow(this.ctx)): Promise<DelegationRow[]> {
    return this.ctx.db
      .selectFrom('delegations')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where('end_at', 'is not', null)
      .where('end_at', '<=', at)
      .orderBy('id')
      .execute();
  }

  /**
   * Every mailbox a person is attached to, with how: their rows in mailbox_holders (the PER
   * holder and the CAB owner are there too, beside owner_idnat which is the directory
   * attachment), plus delegations in force.
   */
  async membershipsOf(idnat: string, at = isoNow(this.ctx)): Promise<MailboxMembership[]> {
    const held = await this.ctx.db
      .selectFrom('mailbox_holders')
      .innerJoin('mailboxes', 'mailboxes.id', 'mailbox_holders.mailbox_id')
      .selectAll('mailboxes')
      .select('mailbox_holders.role as holder_role')
      .where('mailbox_holders.person_idnat', '=', idnat)
      .where('mailboxes.released_at', 'is', null)
      .orderBy('mailboxes.id')
      .execute();
    const delegated = await this.ctx.db
      .selectFrom('delegations')
      .innerJoin('mailboxes', 'mailboxes.id', 'delegations.mailbox_id')
      .selectAll('mailboxes')
      .select([
        'delegations.id as d_id',
        'delegations.granted_by as d_granted_by',
        'delegations.start_at as d_start_at',
        'delegations.end_at as d_end_at',
        'delegations.delegate_idnat as d_delegate_idnat',
      ])
      .where('delegations.delegate_idnat', '=', idnat)
      .where('delegations.revoked_at', 'is', null)
      .where('delegations.start_at', '<=', at)
      .where((eb) => eb.or([eb('delegations.end_at', 'is', null), eb('delegations.end_at', '>', at)]))
      .where('mailboxes.released_at', 'is', null)
      .orderBy('mailboxes.id')
      .execute();
    const strip = <T extends object>(r: T, keys: string[]): MailboxRow => {
      const copy = { ...r } as Record<string, unknown>;
      for (const k of keys) delete copy[k];
      return copy as unknown as MailboxRow;
    };
    return [
      ...held.map((r) => ({ mailbox: strip(r, ['holder_role']), role: r.holder_role })),
      ...delegated.map((r) => ({
        mailbox: strip(r, ['d_id', 'd_granted_by', 'd_start_at', 'd_end_at', 'd_delegate_idnat']),
        role: 'delegate' as const,
        delegation: {
          id: r.d_id,
          mailbox_id: r.id,
          delegate_idnat: r.d_delegate_idnat,
          granted_by: r.d_granted_by,
          start_at: r.d_start_at,
          end_at: r.d_end_at,
          revoked_at: null,
          revoked_by: null,
          revoke_reason: null,
        },
      })),
    ];
  }
}
