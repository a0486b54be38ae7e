// Applies an operator's mailbox changes to the directory's store. Only facts the directory
// publishes are kept: the address, type, attachment and metadata (R-ANN-1); never who opens it.

import type { MailboxType } from '@mss/domain';
import type { MailboxRow, Repositories } from '@mss/store';
import { FhirError, invalid } from '../fhir/outcome.ts';
import type { MailboxChange } from './parameters.ts';
import { requireOwnDomain, type FeedOperator } from './operators.ts';
import { checkField, type MailboxDeclaration } from './telecom.ts';

/** The resource a change is made on, and what it means for the mailbox's attachment. */
export interface FeedTarget {
  resourceType: 'Practitioner' | 'PractitionerRole' | 'Organization';
  id: string;
  /** Person (Practitioner, PractitionerRole) or structure (Organization) the mailbox is attached to. */
  ownerIdnat: string;
  /** The situation d'exercice of a PractitionerRole; null on the other resources. */
  situationId: string | null;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'withdrawn' | 'absent';

const ALLOWED: Record<FeedTarget['resourceType'], readonly MailboxType[]> = {
  Practitioner: ['PER', 'CAB'],
  PractitionerRole: ['PER', 'CAB'],
  Organization: ['ORG', 'APP'],
};

type Changes = Parameters<Repositories['mailboxes']['update']>[1];

export async function applyChange(
  tx: Repositories,
  op: FeedOperator,
  target: FeedTarget,
  change: MailboxChange,
  now: string,
): Promise<WriteOutcome> {
  const address = change.kind === 'upsert' ? change.mailbox.address : change.address;
  requireOwnDomain(op, address);
  const existing = await tx.mailboxes.byAddress(address);
  switch (change.kind) {
    case 'upsert': {
      const m = change.mailbox;
      if (!ALLOWED[target.resourceType].includes(m.type)) {
        throw invalid(
          `a ${m.type} mailbox cannot be put on ${target.resourceType}: PER and CAB go on Practitioner or PractitionerRole, ORG and APP on Organization`,
        );
      }
      if (!existing) {
        await tx.mailboxes.create({
          address: m.address,
          type: m.type,
          ownerIdnat: target.ownerIdnat,
          situationId: target.situationId,
          ...metadataOf(m),
        });
        return 'created';
      }
      immutable(existing, m);
      // Inserting an address the directory already has moves it here (a CAB whose owner changed)
      // and makes a retried insert harmless.
      return update(tx, existing, { owner_idnat: target.ownerIdnat, situation_id: target.situationId, ...columnsOf(m) });
    }
    case 'replace': {
      const row = onTarget(existing, target, address);
      immutable(row, change.mailbox);
      return update(tx, row, columnsOf(change.mailbox));
    }
    case 'set': {
      const row = onTarget(existing, target, address);
      const value = checkField(change.field, change.value, row.type, `${change.field} of ${address}`);
      return update(tx, row, fieldColumns(row, change.field, value));
    }
    case 'withdraw': {
      if (!existing) return 'absent';
      const row = onTarget(existing, target, address);
      await withdraw(tx, row, now);
      return 'withdrawn';
    }
  }
}

/** A withdrawn address is released at once: the operator may declare it again later, as new. */
export async function withdraw(tx: Repositories, row: MailboxRow, now: string): Promise<void> {
  await tx.mailboxes.update(row.id, { status: 'closed', closed_at: now });
  await tx.mailboxes.release(row.id);
}

export function immutable(row: MailboxRow, m: MailboxDeclaration): void {
  if (row.address.toLowerCase() !== m.address.toLowerCase()) {
    throw invalid(
      `the address of a mailbox cannot be changed after creation (${row.address} → ${m.address}): delete it and insert the new one`,
    );
  }
  if (row.type !== m.type) {
    throw invalid(
      `the type of a mailbox cannot be changed after creation (${row.address} is ${row.type}, not ${m.type}): delete it and insert a new mailbox`,
    );
  }
}

function onTarget(row: MailboxRow | undefined, target: FeedTarget, address: string): MailboxRow {
  const here =
    row &&
    row.owner_idnat === target.ownerIdnat &&
    (target.situationId === null || row.situation_id === null || row.situation_id === target.situationId);
  if (!here) throw new FhirError(400, 'processing', `no mailbox ${address} on ${target.resourceType}/${target.id}: insert it first`);
  return row;
}

/** An insert or a whole replace states the full metadata: what it leaves out takes its default. */
export function metadataOf(m: MailboxDeclaration) {
  return {
    listeRouge: m.listeRouge ?? false,
    description: m.description ?? null,
    service: m.service ?? null,
    digitization: m.digitization ?? true,
  };
}

export function columnsOf(m: MailboxDeclaration): Changes {
  const d = metadataOf(m);
  return { liste_rouge: d.listeRouge ? 1 : 0, description: d.description, service: d.service, digitization: d.digitization ? 1 : 0 };
}

function fieldColumns(row: MailboxRow, field: string, value: unknown): Changes {
  switch (field) {
    case 'listeRouge':
      return { liste_rouge: value ? 1 : 0 };
    case 'digitization':
      return { digitization: value ? 1 : 0 };
    case 'description':
    case 'service':
      return { [field]: value as string | null };
    default:
      // rank and responsible are validated but not kept: the store has no column for them and
      // the open directory publishes neither (formats-notes §2.1; stand-in README).
      void row;
      return {};
  }
}

export async function update(tx: Repositories, row: MailboxRow, changes: Changes): Promise<WriteOutcome> {
  const differs = Object.entries(changes).some(([k, v]) => (row as unknown as Record<string, unknown>)[k] !== v);
  if (!differs) return 'unchanged';
  await tx.mailboxes.update(row.id, changes);
  return 'updated';
}
