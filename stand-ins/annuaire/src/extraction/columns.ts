import type { PublishedMailbox } from '../directory/data.ts';

/** The 31 column labels of Extraction_Correspondance_MSSante, in order (formats-notes §3). */
export const EXTRACTION_COLUMNS: readonly string[] = [
  'Type de BAL',
  'Adresse BAL',
  'Type Identifiant PP',
  'Identifiant PP',
  'Identification nationale PP',
  'Type identifiant structure',
  'Identification Structure',
  'Service de rattachement',
  "Civilité d'exercice",
  "Nom d'exercice",
  "Prénom d'exercice",
  'Catégorie profession',
  'Libellé de catégorie profession',
  'Code Profession',
  'Libellé Profession',
  'Code savoir-faire',
  'Libellé savoir-faire',
  'Dématérialisation',
  'Raison Sociale structure BAL',
  'Enseigne commerciale structure BAL',
  'L2COMPLEMENTLOCALISATION structure BAL',
  'L3COMPLEMENTDISTRIBUTION structure BAL',
  'L4NUMEROVOIE structure BAL',
  'L4COMPLEMENTNUMEROVOIE structure BAL',
  'NL4TYPEVOIE structure BAL',
  'L4LIBELLEVOIE structure BAL',
  'L5LIEUDITMENTION structure BAL',
  'L6LIGNEACHEMINEMENT structure BAL',
  'Code postal structure BAL',
  'Département structure BAL',
  'Pays structure BAL',
];

export const SEPARATOR = '|';

const CATEGORY_LABELS: Record<string, string> = { C: 'Civil', M: 'Militaire', E: 'Etudiant', F: 'Fonctionnaire' };

// Street types as the RPPS codes them (column NL4TYPEVOIE holds the code).
const STREET_TYPES: Record<string, string> = {
  allee: 'ALL',
  avenue: 'AV',
  boulevard: 'BD',
  chemin: 'CHE',
  cours: 'CRS',
  impasse: 'IMP',
  place: 'PL',
  quai: 'QU',
  route: 'RTE',
  rue: 'R',
  square: 'SQ',
  voie: 'VOI',
};

/** "27 bis boulevard de la Liberté" → number, complement, street type code, street name. */
export function splitStreet(street: string): { number: string; complement: string; type: string; name: string } {
  const m = /^\s*(\d+)\s*(bis|ter|quater|[A-Z])?\b\s*(.*)$/i.exec(street);
  const number = m ? m[1]! : '';
  const complement = m?.[2] ? m[2].toUpperCase() : '';
  const rest = (m ? m[3]! : street).trim();
  const first = rest.split(/\s+/)[0] ?? '';
  const code = STREET_TYPES[first.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()];
  return code ? { number, complement, type: code, name: rest.slice(first.length).trim() } : { number, complement, type: '', name: rest };
}

/** The file has no quoting: a separator or a line break inside a value becomes a space. */
function clean(v: string | null | undefined): string {
  return v == null ? '' : v.replace(/[|\r\n]+/g, ' ');
}

/**
 * One line of the file for one published mailbox. PER and CAB lines carry the person (the CAB's
 * owner only); ORG and APP lines the structure only. The address is the situation's when the
 * mailbox is attached to one, else the structure's (often empty for a nominative mailbox, as in
 * the real file).
 */
export function extractionRow(m: PublishedMailbox): string[] {
  const person = m.type === 'PER' || m.type === 'CAB';
  const idnat = person ? m.owner_idnat : '';
  const idType = idnat === '' ? '' : idnat.startsWith('10') && idnat.includes('@') ? '10' : idnat[0]!;
  const street = m.situation_street ?? m.structure_street ?? '';
  const parts = splitStreet(street);
  const postal = m.situation_postal_code ?? m.structure_postal_code ?? '';
  const city = m.situation_city ?? m.structure_city ?? '';
  const raison = m.structure_name ?? m.practice_name;
  return [
    m.type,
    m.address,
    idType,
    person ? (m.rpps ?? idnat.slice(idType.length)) : '',
    idnat,
    m.structure_idnat ? m.structure_idnat[0]! : '',
    m.structure_idnat ?? '',
    m.service,
    person ? m.civility : '',
    person ? m.last_name : '',
    person ? m.first_name : '',
    person ? m.category_code : '',
    person && m.category_code ? (CATEGORY_LABELS[m.category_code] ?? '') : '',
    person ? m.profession_code : '',
    person ? m.profession_label : '',
    person ? m.speciality_code : '',
    person ? m.speciality_label : '',
    m.digitization ? 'True' : 'False',
    raison,
    m.structure_name && m.practice_name ? m.practice_name : '',
    '',
    '',
    parts.number,
    parts.complement,
    parts.type,
    parts.name,
    '',
    postal || city ? `${postal} ${city.toUpperCase()}`.trim() : '',
    postal,
    m.situation_departement ?? m.structure_departement ?? '',
    postal ? 'France' : '',
  ].map(clean);
}

export function extractionLine(values: readonly string[]): string {
  return `${values.join(SEPARATOR)}\n`;
}
