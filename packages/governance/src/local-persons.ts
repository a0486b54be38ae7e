// A FINESS structure's own staff on its ORG mailboxes (issue #20 rule 6): declared by a responsible
// person, known by the IdNat `3` + FINESS + `/` + the structure's identifier of them.

import { checkIdNatPerson } from '@mss/domain';
import type { Principal } from '@mss/access';
import type { LocalPersonRow } from '@mss/store';
import { actorName, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';

/**
 * An ORG's responsible person declares a member of the structure's own staff on the mailbox: in
 * a FINESS structure RPPS+ registration is not mandatory, the structure authenticates its staff
 * through its own identity provider. `localId` is the identifier that provider gives the person
 * (its token's subject), or the whole IdNat `3` + FINESS + `/` + it; the FINESS is the mailbox's.
 */
export async function addLocalPerson(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  input: { localId: string; name: string; role: string },
): Promise<LocalPersonView> {
  const name = boundedText(input.name, 'name', 200);
  const role = boundedText(input.role, 'role', 100);
  return core.withMailbox(actor, address, 'manage-local-persons', async (box) => {
    const row = await box.row();
    const idnat = localIdnat(input.localId, row.owner_idnat);
    if (await box.localPerson(idnat)) throw new GovernanceError('already-has-access', `${idnat} is already declared on ${box.address}`);
    const added = await box.addLocalPerson({ idnat, name, roleLabel: role, addedBy: actorName(actor) });
    await box.appendHistory({ actor: actorName(actor), event: 'local-person.added', subjectIdnat: idnat, details: { name, role } });
    return localPersonView(added);
  });
}

/** Ends a declaration; the person's open sessions on the mailbox end at once (R-AUTH-4). */
export async function removeLocalPerson(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  localId: string,
  reason: string | null = null,
): Promise<LocalPersonView> {
  const result = await core.withMailbox(actor, address, 'manage-local-persons', async (box) => {
    const idnat = localIdnat(localId, (await box.row()).owner_idnat);
    const removed = await box.removeLocalPerson(idnat, actorName(actor), reason);
    if (!removed) throw new GovernanceError('local-person-not-found', `${idnat} is not declared on ${box.address}`);
    await box.appendHistory({ actor: actorName(actor), event: 'local-person.removed', subjectIdnat: idnat, reason });
    return { id: box.mailboxId, view: localPersonView(removed) };
  });
  core.access.bus.publish({ kind: 'local-person-removed', mailboxId: result.id, idnat: result.view.idnat });
  return result.view;
}

/** The declarations of a mailbox (with the removed ones when asked): for those who govern it. */
export async function localPersons(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  options: { includeRemoved?: boolean } = {},
): Promise<LocalPersonView[]> {
  return core.withMailbox(actor, address, 'read-history', async (scope) => {
    return (await scope.localPersons(options)).map(localPersonView);
  });
}

/** The ORG mailboxes a structure's staff member is declared on (their `GET /me/mailboxes`). */
export async function localMailboxes(
  core: GovernanceCore,
  idnat: string,
): Promise<{ address: string; type: string; status: string; role: string }[]> {
  const out: { address: string; type: string; status: string; role: string }[] = [];
  for (const d of await core.store.localPersons.inForceOf(idnat)) {
    const m = await core.store.mailboxes.byId(d.mailbox_id);
    // A declaration on an ORG since moved to another structure opens nothing: not listed.
    if (m && m.owner_idnat === `1${idnat.slice(1, idnat.indexOf('/'))}`)
      out.push({ address: m.address, type: m.type, status: m.status, role: 'local-person' });
  }
  return out;
}

export interface LocalPersonView {
  idnat: string;
  localId: string;
  name: string;
  role: string;
  addedAt: string;
  addedBy: string;
  removedAt: string | null;
  removedBy: string | null;
  removeReason: string | null;
}

function localPersonView(r: LocalPersonRow): LocalPersonView {
  return {
    idnat: r.idnat,
    localId: r.idnat.slice(r.idnat.indexOf('/') + 1),
    name: r.name,
    role: r.role_label,
    addedAt: r.added_at,
    addedBy: r.added_by,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
    removeReason: r.remove_reason,
  };
}

/**
 * The IdNat of a structure's staff member on a mailbox of the structure `structureIdnat`
 * (`1` + FINESS): `3` + that FINESS + `/` + the local id. A whole IdNat is accepted only with the
 * mailbox's own FINESS: a structure declares its own staff, never another's.
 */
function localIdnat(value: string, structureIdnat: string): string {
  const finess = structureIdnat.slice(1);
  const whole = typeof value === 'string' && value.startsWith('3') && value.includes('/') ? value : `3${finess}/${value}`;
  const r = checkIdNatPerson(whole, 'localId');
  if (!r.ok) throw new GovernanceError('invalid-identifier', r.error.message, { field: 'localId', rule: r.error.rule });
  if (r.value.type !== 'FINESS_STAFF' || r.value.id !== finess)
    throw new GovernanceError('invalid-identifier', `${r.value.idnat} is not staff of the mailbox's structure (FINESS ${finess})`, {
      field: 'localId',
    });
  return r.value.idnat;
}

function boundedText(value: string, field: string, max: number): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v.length === 0 || v.length > max || /[\u0000-\u001f\u007f]/.test(v))
    throw new GovernanceError('invalid-input', `${field}: 1 to ${max} characters, no control characters`, { field });
  return v;
}
