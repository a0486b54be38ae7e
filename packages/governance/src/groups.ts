// A practice's group addresses (issue #20 rule 7): list addresses a CAB's owner keeps, fanning out
// to the practice's own mailboxes; nobody opens them nor sends as them (docs/choices.md).

import { checkMailboxAddressForType } from '@mss/domain';
import type { Principal } from '@mss/access';
import { belongsToPractice, type GroupAddressRow, type MailboxRow, type MailboxScope, type Repositories } from '@mss/store';
import { actorName, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';

/** A practice's group address as its owner sees it; `receives` says whether a member gets the group's mail now. */
export interface GroupView {
  address: string;
  description: string | null;
  createdAt: string;
  closedAt: string | null;
  members: { address: string; type: MailboxRow['type']; addedAt: string; addedBy: string; receives: boolean }[];
}

/**
 * A list address kept by a CAB's owner that fans out to named mailboxes of the practice (the
 * CAB itself, or the PER of its owner or of a cotitulaire). Anyone in the trust space may write
 * to it; nobody opens it or sends as it (replies come from each member's own mailbox). Its
 * history is the CAB's; it is not published in the directory (docs/choices.md).
 */
export async function createGroup(
  core: GovernanceCore,
  actor: Principal,
  cabAddress: string,
  input: { address: string; description?: string | null; members: string[] },
): Promise<GroupView> {
  // Any address of ours that is not a CAB's: `cabinet.` names the practice's own mailbox (R-CAB-2).
  const address = checkMailboxAddressForType('PER', input.address, { operatorDomains: core.domains, field: 'group address' });
  if (!address.ok) throw new GovernanceError('invalid-address', address.error.message, { field: 'address', rule: address.error.rule });
  if (input.members.length === 0)
    throw new GovernanceError('invalid-input', 'a group address needs at least one member', { field: 'members' });
  return core.withMailbox(actor, cabAddress, 'manage-groups', async (cab, tx) => {
    // R-BAL-1: one address names one thing at this operator, mailbox or group.
    if ((await tx.mailboxes.byAddress(address.value.address)) || (await tx.groups.byAddress(address.value.address)))
      throw new GovernanceError('address-taken', `address ${address.value.address} is already in use at this operator (R-BAL-1)`);
    const members = [];
    for (const m of new Set(input.members.map((a) => a.trim().toLowerCase()))) members.push(await practiceMailbox(tx, cab, m));
    const group = await cab.createGroup({
      address: address.value.address,
      description: input.description ?? null,
      createdBy: actorName(actor),
    });
    for (const m of members) await cab.addGroupMember(group.id, m.id, actorName(actor));
    await cab.appendHistory({
      actor: actorName(actor),
      event: 'group.created',
      details: { group: group.address, members: members.map((m) => m.address) },
    });
    return groupView(cab, group);
  });
}

export async function listGroups(core: GovernanceCore, actor: Principal, cabAddress: string): Promise<GroupView[]> {
  return core.withMailbox(actor, cabAddress, 'manage-groups', async (cab) => {
    const out: GroupView[] = [];
    for (const g of await cab.groups()) out.push(await groupView(cab, g));
    return out;
  });
}

export async function addGroupMember(
  core: GovernanceCore,
  actor: Principal,
  cabAddress: string,
  groupAddress: string,
  memberAddress: string,
): Promise<GroupView> {
  return changeGroup(core, actor, { cabAddress, groupAddress }, async (cab, group, tx) => {
    const member = await practiceMailbox(tx, cab, memberAddress);
    if (!(await cab.addGroupMember(group.id, member.id, actorName(actor))))
      throw new GovernanceError('invalid-input', `${member.address} is already a member of ${group.address}`);
    return { event: 'group.member-added', member: member.address };
  });
}

export async function removeGroupMember(
  core: GovernanceCore,
  actor: Principal,
  cabAddress: string,
  groupAddress: string,
  memberAddress: string,
): Promise<GroupView> {
  return changeGroup(core, actor, { cabAddress, groupAddress }, async (cab, group, tx) => {
    const member = await tx.mailboxes.byAddress(memberAddress);
    const members = await cab.groupMembers(group.id);
    if (!member || !members.some((m) => m.mailbox.id === member.id))
      throw new GovernanceError('invalid-input', `${memberAddress} is not a member of ${group.address}`, { field: 'member' });
    if (members.length === 1)
      throw new GovernanceError('invalid-input', `${member.address} is the last member of ${group.address}: close the group instead`);
    await cab.removeGroupMember(group.id, member.id);
    return { event: 'group.member-removed', member: member.address };
  });
}

/** Closes a group: mail to it is refused as to an unknown address; the address is never given again. */
export async function closeGroup(
  core: GovernanceCore,
  actor: Principal,
  cabAddress: string,
  groupAddress: string,
  reason: string | null = null,
): Promise<GroupView> {
  return changeGroup(core, actor, { cabAddress, groupAddress }, async (cab, group) => {
    await cab.closeGroup(group.id);
    return { event: 'group.closed', reason };
  });
}

/** What one change to a group writes in the CAB's history (the group's address is always in its details). */
interface GroupEvent {
  event: string;
  member?: string;
  reason?: string | null;
}

/**
 * One change to an open group of a CAB, decided as `manage-groups` on the CAB before anything of
 * it is read, recorded in the CAB's history; the group as it is after.
 */
function changeGroup(
  core: GovernanceCore,
  actor: Principal,
  target: { cabAddress: string; groupAddress: string },
  fn: (cab: MailboxScope, group: GroupAddressRow, tx: Repositories) => Promise<GroupEvent>,
): Promise<GroupView> {
  return core.withMailbox(actor, target.cabAddress, 'manage-groups', async (cab, tx) => {
    const group = await openGroup(cab, target.groupAddress);
    const { event, member, reason } = await fn(cab, group, tx);
    await cab.appendHistory({
      actor: actorName(actor),
      event,
      ...(reason === undefined ? {} : { reason }),
      details: { group: group.address, ...(member === undefined ? {} : { member }) },
    });
    return groupView(cab, (await cab.group(group.address))!);
  });
}

async function openGroup(cab: MailboxScope, groupAddress: string) {
  const group = await cab.group(groupAddress);
  if (!group || group.closed_at) throw new GovernanceError('group-not-found', `no open group ${groupAddress} on ${cab.address}`);
  return group;
}

/** A member must be an active mailbox of the practice: the CAB itself, or the PER of its owner or of a cotitulaire. */
async function practiceMailbox(tx: Repositories, cab: MailboxScope, address: string): Promise<MailboxRow> {
  const m = await tx.mailboxes.byAddress(address);
  if (m?.status !== 'active' || !belongsToPractice(m, cab.mailboxId, await cab.practice()))
    throw new GovernanceError(
      'not-of-the-practice',
      `${address} is not an active mailbox of the practice of ${cab.address}: members are the CAB itself or the PER mailboxes of its owner and cotitulaires`,
      { field: 'members' },
    );
  return m;
}

async function groupView(cab: MailboxScope, g: GroupAddressRow): Promise<GroupView> {
  const people = await cab.practice();
  const cabRow = await cab.row();
  return {
    address: g.address,
    description: g.description,
    createdAt: g.created_at,
    closedAt: g.closed_at,
    members: (await cab.groupMembers(g.id)).map((m) => ({
      address: m.mailbox.address,
      type: m.mailbox.type,
      addedAt: m.addedAt,
      addedBy: m.addedBy,
      receives:
        !g.closed_at && cabRow.status === 'active' && m.mailbox.status === 'active' && belongsToPractice(m.mailbox, cab.mailboxId, people),
    })),
  };
}
