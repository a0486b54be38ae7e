import type { Principal } from './decision/types.ts';
import type { ValidatedToken } from './token/validator.ts';

/**
 * Who a validated token names, as the decision point knows them: a PSC person, or a structure's
 * staff member when the structure's own identity provider issued it (issue #20 rule 6), bound
 * to that structure by the operator's configuration.
 */
export function principalOf(token: ValidatedToken): Principal {
  if (token.structure === undefined) return { kind: 'person', idnat: token.idnat };
  return { kind: 'local-person', idnat: token.idnat, finess: token.structure.finess, issuer: token.structure.issuer };
}
