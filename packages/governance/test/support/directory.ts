// What the governance tests share: directory rows made short, and the check that an operation is
// refused with a given kind of GovernanceError.
import assert from 'node:assert/strict';
import { GovernanceError, type GovernanceErrorKind } from '../../src/index.ts';

/** A person of the operator's copy of the directory, registered by RPPS (a PS, or a secretary through RPPS+). */
export function directoryPerson(idnat: string, lastName: string, o: { kind?: 'PS' | 'SECRETARY'; professionCode?: string } = {}) {
  const kind = o.kind ?? 'PS';
  return {
    idnat,
    kind,
    id_type: 'RPPS' as const,
    rpps: idnat.slice(1),
    civility: 'MME',
    last_name: lastName,
    first_name: 'Test',
    profession_code: kind === 'PS' ? (o.professionCode ?? '60') : null,
    profession_label: null,
    category_code: 'C',
    speciality_code: null,
    speciality_label: null,
  };
}

/** A structure with a FINESS, at one address in Les Lilas. */
export function finessStructure(finess: string, name: string) {
  return {
    idnat: `1${finess}`,
    id_type: 'FINESS' as const,
    finess,
    siret: null,
    name,
    sector_code: null,
    street: '1 rue',
    postal_code: '93260',
    city: 'Les Lilas',
    departement: '93',
  };
}

/** `p` fails with a GovernanceError of `kind` (and a message matching `message`); that error. */
export async function refused(p: Promise<unknown>, kind: GovernanceErrorKind, message?: RegExp): Promise<GovernanceError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${kind}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof GovernanceError, String(caught));
  assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}
