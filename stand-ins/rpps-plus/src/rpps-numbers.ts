// RPPS numbers handed out by the portal: a 10-digit sequence of its own range and the Luhn key
// (R-ID-1), unique by construction (the portal's primary key) and never one the directory
// already knows (the synthetic directory and the demo personas live far below this range).

import { makeRpps } from '@mss/domain';
import type { Store } from '@mss/store';
import type { AnnuaireLink } from './annuaire-link.ts';
import { RppsPlusRepo } from './store/index.ts';

/** The portal's first sequence: above the seed's personas (1000000xxx) and synthetic directory (10001xxxxx…). */
export const FIRST_SEQUENCE = 1_900_000_000;

/** Claims the next free RPPS for a request; retries past numbers taken meanwhile (another validation, the directory). */
export async function allocateRpps(store: Store, annuaire: AnnuaireLink, requestId: number): Promise<string> {
  const requests = new RppsPlusRepo(store);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const last = await requests.lastRpps();
    let seq = last ? Number(last.slice(0, 10)) + 1 : FIRST_SEQUENCE;
    let rpps = makeRpps(String(seq));
    while (await annuaire.person(`8${rpps}`)) rpps = makeRpps(String(++seq));
    if (await requests.claimRpps(rpps, requestId)) return rpps;
  }
  throw new Error('rpps-plus: no free RPPS number after 1000 attempts');
}
