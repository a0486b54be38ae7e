import { MssError } from '@mss/runtime';
import type { GroupAddressRow, MailboxRow } from '../schema.ts';
import { addressKey } from './mailboxes.ts';
import { isoNow, isUniqueViolation, type RepoContext } from './executor.ts';

/** A member of a group, with its mailbox as it is now. */
export interface GroupMember {
  mailbox: MailboxRow;
  addedAt: string;
  addedBy: string;
}

/**
 * Group addresses and their members (issue #20 rule 7). Facts only: who may keep a group and
 * which mailboxes belong to the practice are governance's and delivery's questions.
 */
export class GroupRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  /** Creates a group; an address any group ever held is refused (MssError GROUP_ADDRESS_TAKEN). */
  async create(g: { address: string; cabMailboxId: number; description: string | null; createdBy: string }): Promise<GroupAddressRow> {
    try {
      return await this.ctx.db
        .insertInto('group_addresses')
        .values({
          address: g.address.trim(),
          address_key: addressKey(g.address),
          cab_mailbox_id: g.cabMailboxId,
          description: g.description,
          created_at: isoNow(this.ctx),
          created_by: g.createdBy,
          closed_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new MssError('GROUP_ADDRESS_TAKEN', `address ${g.address} is already a group address at this operator`, { cause: err });
      throw err;
    }
  }

  /** The group holding this address, closed ones included (their address is never reused). */
  async byAddress(address: string): Promise<GroupAddressRow | undefined> {
    return this.ctx.db.selectFrom('group_addresses').selectAll().where('address_key', '=', addressKey(address)).executeTakeFirst();
  }

  async ofCab(cabMailboxId: number): Promise<GroupAddressRow[]> {
    return this.ctx.db.selectFrom('group_addresses').selectAll().where('cab_mailbox_id', '=', cabMailboxId).orderBy('id').execute();
  }

  async close(groupId: number): Promise<void> {
    await this.ctx.db
      .updateTable('group_addresses')
      .set({ closed_at: isoNow(this.ctx) })
      .where('id', '=', groupId)
      .execute();
  }

  async addMember(groupId: number, mailboxId: number, addedBy: string): Promise<boolean> {
    const r = await this.ctx.db
      .insertInto('group_members')
      .values({ group_id: groupId, mailbox_id: mailboxId, added_at: isoNow(this.ctx), added_by: addedBy })
      .onConflict((oc) => oc.columns(['group_id', 'mailbox_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async removeMember(groupId: number, mailboxId: number): Promise<boolean> {
    const r = await this.ctx.db
      .deleteFrom('group_members')
      .where('group_id', '=', groupId)
      .where('mailbox_id', '=', mailboxId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async members(groupId: number): Promise<GroupMember[]> {
    const rows = await this.ctx.db
      .selectFrom('group_members')
      .innerJoin('mailboxes', 'mailboxes.id', 'group_members.mailbox_id')
      .selectAll('mailboxes')
      .select(['group_members.added_at as m_added_at', 'group_members.added_by as m_added_by'])
      .where('group_members.group_id', '=', groupId)
      .orderBy('mailboxes.address_key')
      .execute();
    return rows.map(({ m_added_at, m_added_by, ...mailbox }) => ({
      mailbox: mailbox as MailboxRow,
      addedAt: m_added_at,
      addedBy: m_added_by,
    }));
  }

  /** The people of a CAB's practice: its owner and its cotitulaires (R-CAB-1, R-CAB-3). */
  async practiceOf(cabMailboxId: number): Promise<Set<string>> {
    const rows = await this.ctx.db
      .selectFrom('mailbox_holders')
      .select('person_idnat')
      .where('mailbox_id', '=', cabMailboxId)
      .where('role', 'in', ['owner', 'cotitulaire'])
      .execute();
    return new Set(rows.map((r) => r.person_idnat));
  }

  /**
   * Where mail to a group address goes now: its members that are still the practice's (the CAB
   * itself, or a PER of the CAB's owner or of a cotitulaire — someone who left the practice stops
   * receiving at once) and active. Undefined when no open group has the address; no members when
   * the practice's CAB is not active.
   */
  async fanOut(address: string): Promise<{ group: GroupAddressRow; members: MailboxRow[] } | undefined> {
    const group = await this.byAddress(address);
    if (!group || group.closed_at) return undefined;
    const cab = await this.ctx.db.selectFrom('mailboxes').selectAll().where('id', '=', group.cab_mailbox_id).executeTakeFirst();
    if (cab?.status !== 'active') return { group, members: [] };
    const people = await this.practiceOf(cab.id);
    const members = (await this.members(group.id))
      .map((m) => m.mailbox)
      .filter((m) => m.status === 'active' && m.released_at === null && belongsToPractice(m, cab.id, people));
    return { group, members };
  }
}

/** A mailbox of the practice: the CAB itself, or the PER of one of its people (docs/choices.md, "Group addresses"). */
export function belongsToPractice(m: Pick<MailboxRow, 'id' | 'type' | 'owner_idnat'>, cabMailboxId: number, people: Set<string>): boolean {
  return m.id === cabMailboxId || (m.type === 'PER' && people.has(m.owner_idnat));
}
