// The persons whose e-CPS the portal has activated, as Pro Santé Connect's accounts: PSC asks
// here for an IdNat its own directory does not know (`moreAccounts` of @mss/psc), and from the
// end of the activation delay the secretary can log in and get tokens (`mss psc token`).

import type { PscDirectory } from '@mss/psc';
import type { RppsPlus } from './portal.ts';

export function ecpsAccounts(portal: RppsPlus): PscDirectory {
  const active = async (idnat: string) => /^8\d{11}$/.test(idnat) && (await portal.ecpsActive(idnat));
  return {
    person: async (idnat) => ((await active(idnat)) ? portal.annuaire.person(idnat) : undefined),
    situationsOf: async (idnat, activeOn) => ((await active(idnat)) ? portal.annuaire.situationsOf(idnat, activeOn) : []),
    structure: (idnat) => portal.annuaire.structure(idnat),
    // PSC's page of one-click personas stays the demo's.
    personsWithRppsBelow: async () => [],
  };
}
