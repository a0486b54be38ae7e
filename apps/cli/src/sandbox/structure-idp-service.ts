import { DEFAULT_STAFF, startStructureIdp, type RunningStructureIdp } from '@mss/structure-idp';
import type { Logger, MssConfig, StructureIdpSetting } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/** The hospital persona's ORG mailbox, whose structure gets its own identity provider in the sandbox. */
export const HOSPITAL_ORG_LOCAL_PART = 'cardiologie.ch-lilas';

/**
 * The structures the sandbox's operator trusts: those of MSS_STRUCTURE_IDPS, and the hospital
 * persona's with the sandbox's stand-in unless the configuration names that FINESS already.
 */
export function trustedStructures(config: MssConfig, sandboxIdp: StructureIdpSetting | undefined): StructureIdpSetting[] {
  const structures = [...config.structureIdps];
  if (sandboxIdp && !structures.some((s) => s.finess === sandboxIdp.finess)) structures.push(sandboxIdp);
  return structures;
}

/** Where the sandbox's hospital identity provider is (for commands run beside it), read from the store. */
export async function sandboxStructureIssuer(config: MssConfig, store: Store): Promise<StructureIdpSetting | undefined> {
  const org = await store.mailboxes.byAddress(`${HOSPITAL_ORG_LOCAL_PART}@${config.operatorDomain}`);
  return org ? { finess: org.owner_idnat.slice(1), issuer: `http://${config.host}:${config.ports.structureIdp}` } : undefined;
}

/**
 * The identity provider of the hospital persona's structure (issue #20 rule 6), trusted for its
 * ORG mailboxes, and the declaration of its secretary Jeanne Dupont on the cardiology ORG (by the
 * responsible person, Dr Girard, once: a removal by the user is not undone at the next start).
 * Marc Leroy can log in at the IdP but is declared nowhere: the refusal to show.
 */
export async function startStructureIdpService(
  config: MssConfig,
  store: Store,
  logger: Logger,
): Promise<(RunningService & { idp: RunningStructureIdp; trust: StructureIdpSetting }) | undefined> {
  const org = await store.mailboxes.byAddress(`${HOSPITAL_ORG_LOCAL_PART}@${config.operatorDomain}`);
  if (!org) return undefined;
  const finess = org.owner_idnat.slice(1);
  const structure = await store.directory.structure(org.owner_idnat);
  const idp = await startStructureIdp({
    logger: logger.child({ service: 'structureIdp' }),
    host: config.host,
    port: config.ports.structureIdp,
    finess,
    name: structure?.name ?? 'Centre hospitalier des Lilas',
  });
  const jeanne = DEFAULT_STAFF[0]!;
  const idnat = `3${finess}/${jeanne.localId}`;
  const history = await store.history.list({ mailboxId: org.id, limit: 1000 });
  if (!history.some((e) => e.event === 'local-person.added' && e.subjectIdnat === idnat)) {
    const responsible = (await store.mailboxes.holders(org.id)).find((h) => h.role === 'responsible')?.person_idnat ?? 'system';
    await store.transaction(async (tx) => {
      await tx.localPersons.add({ mailboxId: org.id, idnat, name: jeanne.name, roleLabel: jeanne.role, addedBy: responsible });
      await tx.history.append({
        mailboxId: org.id,
        actor: responsible,
        event: 'local-person.added',
        subjectIdnat: idnat,
        reason: 'seed',
        details: { name: jeanne.name, role: jeanne.role },
      });
      const cgu = await tx.cgu.current();
      if (cgu) await tx.cgu.accept(idnat, cgu.version);
    });
  }
  return { key: 'structureIdp', url: idp.url, idp, trust: { finess, issuer: idp.issuer }, stop: () => idp.stop() };
}
