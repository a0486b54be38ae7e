import type { DelegationRow, HolderRow, MailboxRow } from '@mss/store';

export interface MailboxView {
  address: string;
  type: MailboxRow['type'];
  status: MailboxRow['status'];
  ownerIdnat: string;
  situationId: string | null;
  listeRouge: boolean;
  description: string | null;
  service: string | null;
  digitization: boolean;
  createdAt: string;
  closedAt: string | null;
  /** Set once the address was released for another holder (R-BAL-2). */
  releasedAt: string | null;
  holders: { idnat: string; role: HolderRow['role']; addedAt: string; addedBy: string | null }[];
  /** Only for those who may manage delegates or read the history. */
  delegations?: { id: number; delegateIdnat: string; grantedBy: string; startAt: string; endAt: string | null }[];
}

export function toView(row: MailboxRow, holders: HolderRow[], delegations?: DelegationRow[]): MailboxView {
  return {
    address: row.address,
    type: row.type,
    status: row.status,
    ownerIdnat: row.owner_idnat,
    situationId: row.situation_id,
    listeRouge: row.liste_rouge === 1,
    description: row.description,
    service: row.service,
    digitization: row.digitization === 1,
    createdAt: row.created_at,
    closedAt: row.closed_at,
    releasedAt: row.released_at,
    holders: holders.map((h) => ({ idnat: h.person_idnat, role: h.role, addedAt: h.added_at, addedBy: h.added_by })),
    ...(delegations
      ? {
          delegations: delegations.map((d) => ({
            id: d.id,
            delegateIdnat: d.delegate_idnat,
            grantedBy: d.granted_by,
            startAt: d.start_at,
            endAt: d.end_at,
          })),
        }
      : {}),
  };
}
