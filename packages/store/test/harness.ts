export { openTestStore, TEST_ENGINE as ENGINE } from '../src/testing.ts';

export const GP = {
  idnat: '810000001916',
  kind: 'PS' as const,
  id_type: 'RPPS' as const,
  rpps: '10000001916',
  civility: 'M',
  last_name: 'Martin',
  first_name: 'Paul',
  profession_code: '10',
  profession_label: 'Médecin',
  category_code: 'C',
  speciality_code: 'SM54',
  speciality_label: 'Médecine générale',
};

export function person(idnat: string, last: string, first: string, kind: 'PS' | 'SECRETARY' = 'PS') {
  return { ...GP, idnat, rpps: idnat.slice(1), kind, last_name: last, first_name: first };
}
