import type { Store } from '@mss/store';

/** The history reason of a delegation ended because its situation ended (R-DEL-5, R-ENR-1). */
export const SITUATION_ENDED_REASON = 'situation ended in RPPS+';

/** What the synchronisation asks of governance; `@mss/governance`'s `Governance` provides it. */
export interface SyncConsequences {
  /** Ends the delegate's delegations on the employer's mailboxes, with history and revocation; the number ended. */
  endDelegationsOf(delegateIdnat: string, grantedBy: string | null, reason: string): Promise<number>;
}

/**
 * The employers whose RPPS+ situation with this person has ended, with none still in force: the
 * delegations on their mailboxes no longer rest on anything (R-DEL-5). `today` is YYYY-MM-DD; a
 * situation is in force while its end date is after today.
 */
export async function employersLost(store: Store, personIdnat: string, today: string): Promise<string[]> {
  const inForce = new Set<string>();
  const ended = new Set<string>();
  for (const s of await store.directory.situationsOf(personIdnat)) {
    if (!s.employer_idnat) continue;
    if (s.end_date === null || s.end_date > today) inForce.add(s.employer_idnat);
    else ended.add(s.employer_idnat);
  }
  return [...ended].filter((e) => !inForce.has(e));
}

/** Applies R-DEL-5 to these persons; returns the delegations ended. */
export async function endUnsupportedDelegations(
  store: Store,
  consequences: SyncConsequences,
  persons: Iterable<string>,
  today: string,
): Promise<number> {
  let ended = 0;
  for (const idnat of persons) {
    for (const employer of await employersLost(store, idnat, today))
      ended += await consequences.endDelegationsOf(idnat, employer, SITUATION_ENDED_REASON);
  }
  return ended;
}
