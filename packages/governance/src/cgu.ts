// The operator's terms of use (R-CAB-4): published by its administrators (decided and audited),
// accepted by each person, per version, with their own token.

import type { Principal } from '@mss/access';
import type { CguVersion } from '@mss/store';
import { actorName, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';

export async function publishCgu(
  core: GovernanceCore,
  actor: Principal,
  input: { version: string; title: string; url?: string },
): Promise<CguVersion> {
  const decision = await core.access.decideOperator({ principal: actor, action: 'publish-cgu', channel: 'admin-api' });
  if (!decision.allowed)
    throw new GovernanceError('forbidden', 'CGU versions are published by the operator’s administrators', { reason: decision.reason });
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(input.version))
    throw new GovernanceError('invalid-input', 'version: 1-40 characters among letters, digits, dot, dash, underscore');
  const published = await core.store.transaction(async (tx) => {
    if (await tx.cgu.get(input.version)) throw new GovernanceError('cgu-exists', `CGU version ${input.version} already exists`);
    const row = await tx.cgu.publish({
      version: input.version,
      title: input.title,
      url: input.url ?? `/cgu/${encodeURIComponent(input.version)}`,
    });
    await tx.history.append({ mailboxId: null, actor: actorName(actor), event: 'cgu.published', details: { version: input.version } });
    return row;
  });
  // Everyone must accept the new version before their next access (R-CAB-4).
  core.access.bus.publish({ kind: 'cgu-published', version: published.version });
  return published;
}

/** The CGU version in force (R-CAB-4). */
export async function currentCgu(core: GovernanceCore): Promise<CguVersion> {
  const current = await core.store.cgu.current();
  if (!current) throw new GovernanceError('no-cgu', 'the operator has published no CGU');
  return current;
}

/** One published CGU version, and whether it is the one in force. */
export async function cguVersion(core: GovernanceCore, version: string): Promise<CguVersion & { current: boolean }> {
  const v = await core.store.cgu.get(version);
  if (!v) throw new GovernanceError('no-cgu', `no CGU version ${version}`);
  return { ...v, current: (await core.store.cgu.current())?.version === v.version };
}

/** A person accepts the CGU in force, with their own token; acceptance is per version and kept once. */
export async function acceptCgu(core: GovernanceCore, actor: Principal, version: string): Promise<{ version: string; acceptedAt: string }> {
  if (actor.kind !== 'person' && actor.kind !== 'local-person')
    throw new GovernanceError('invalid-input', 'CGU are accepted by persons, with their own token');
  const idnat = actor.idnat;
  return core.store.transaction(async (tx) => {
    const current = await tx.cgu.current();
    if (!current) throw new GovernanceError('no-cgu', 'the operator has published no CGU');
    if (current.version !== version)
      throw new GovernanceError('cgu-not-current', `version ${version} is not the current CGU (${current.version})`, {
        current: current.version,
      });
    // A structure's staff member is in no national directory: what the operator knows of them is
    // a declaration on one of their structure's ORG mailboxes (issue #20 rule 6).
    const known =
      actor.kind === 'local-person' ? (await tx.localPersons.inForceOf(idnat)).length > 0 : !!(await tx.directory.person(idnat));
    if (!known)
      throw new GovernanceError(
        'not-in-directory',
        actor.kind === 'local-person' ? `${idnat} is declared on no mailbox of this operator` : `${idnat} is not in the directory`,
      );
    const already = await tx.cgu.acceptance(idnat, version);
    if (already) return { version, acceptedAt: already.accepted_at };
    const at = core.store.now().toISOString();
    await tx.cgu.accept(idnat, version, at);
    await tx.history.append({ mailboxId: null, actor: idnat, event: 'cgu.accepted', details: { version } });
    return { version, acceptedAt: at };
  });
}
