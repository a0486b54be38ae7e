// "What is this number?" for `mss id check`: every identifier kind whose shape the value has,
// each validated, valid readings first. Shapes are deliberately loose (a 9-character value
// with a stray letter still "looks like" a FINESS) so that the user is told why it fails,
// rather than "not a known identifier".

import { checkAdeli } from './adeli.ts';
import { type Check, type InvalidIdentifierError, showValue } from './errors.ts';
import { checkFiness } from './finess.ts';
import { checkIdNatPerson } from './idnat-person.ts';
import { checkIdNatStructure } from './idnat-structure.ts';
import { checkIns } from './ins.ts';
import { PATIENT_DOMAIN, checkMssAddress } from './mss-address.ts';
import { checkRpps } from './rpps.ts';
import { checkSiren } from './siren.ts';
import { LA_POSTE_SIREN, checkSiret } from './siret.ts';

export const IDENTIFIER_KINDS = [
  'RPPS',
  'ADELI',
  'IDNAT_PS',
  'FINESS',
  'SIREN',
  'SIRET',
  'IDNAT_STRUCT',
  'INS',
  'MSS_ADDRESS',
  'PATIENT_ADDRESS',
] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

export type Identification = {
  kind: IdentifierKind;
  valid: boolean;
  detail: string;
  error?: InvalidIdentifierError;
};

const LABEL: Record<IdentifierKind, string> = {
  RPPS: 'RPPS',
  ADELI: 'ADELI',
  IDNAT_PS: 'IdNat PS',
  FINESS: 'FINESS',
  SIREN: 'SIREN',
  SIRET: 'SIRET',
  IDNAT_STRUCT: 'IdNat structure',
  INS: 'INS',
  MSS_ADDRESS: 'MSSanté address',
  PATIENT_ADDRESS: 'Patient address',
};

type Reading = { kind: IdentifierKind; shape: RegExp; read: (v: string) => Identification };

function reading<T>(kind: IdentifierKind, shape: RegExp, check: (v: string) => Check<T>, describe: (value: T) => string): Reading {
  return {
    kind,
    shape,
    read(v) {
      const r = check(v);
      if (r.ok) return { kind, valid: true, detail: describe(r.value) };
      return { kind, valid: false, detail: `${LABEL[kind]} ${showValue(v)} is not valid: ${r.error.problem}`, error: r.error };
    },
  };
}

const NUMBER_READINGS: readonly Reading[] = [
  reading(
    'RPPS',
    /^[0-9]{11}$/,
    (v) => checkRpps(v),
    (rpps) => `RPPS ${rpps} is valid (IdNat 8${rpps})`,
  ),
  reading(
    'ADELI',
    /^[0-9][0-9A-Za-z][0-9]{7}$/,
    (v) => checkAdeli(v),
    (adeli) => `ADELI ${adeli} has a valid format (IdNat 0${adeli}); ADELI carries no check digit we verify`,
  ),
  reading(
    'IDNAT_PS',
    /^(?:8[0-9]{11}|0[0-9][0-9A-Za-z][0-9]{7}|3[^/]*\/.*)$/,
    (v) => checkIdNatPerson(v),
    (p) =>
      `IdNat PS ${p.idnat} is valid (` +
      (p.type === 'RPPS' ? `RPPS ${p.id})` : p.type === 'ADELI' ? `ADELI ${p.id}, format only)` : `staff ${p.local} of FINESS ${p.id})`),
  ),
  reading(
    'FINESS',
    /^[0-9][0-9A-Za-z][0-9]{7}$/,
    (v) => checkFiness(v),
    (f) => `FINESS ${f.finess} is valid (${f.corsica ? 'Corsica, ' : ''}IdNat structure 1${f.finess})`,
  ),
  reading(
    'SIREN',
    /^[0-9]{9}$/,
    (v) => checkSiren(v),
    (s) => `SIREN ${s} is valid (IdNat structure 2${s})`,
  ),
  reading(
    'SIRET',
    /^[0-9]{14}$/,
    (v) => checkSiret(v),
    (s) => `SIRET ${s} is valid (SIREN ${s.slice(0, 9)}${s.startsWith(LA_POSTE_SIREN) ? ', La Poste' : ''}, IdNat structure 3${s})`,
  ),
  reading(
    'IDNAT_STRUCT',
    /^(?:1[0-9][0-9A-Za-z][0-9]{7}|2[0-9]{9}|3[0-9]{14})$/,
    (v) => checkIdNatStructure(v),
    (s) => `IdNat structure ${s.idnat} is valid (${s.type} ${s.id})`,
  ),
  reading(
    'INS',
    /^[0-9]{5}[0-9A-Za-z]{2}[0-9]{8}$/,
    (v) => checkIns(v),
    (i) => `INS ${i.ins} is valid (NIR ${i.nir}, key ${i.key}${i.corsica ? ', born in Corsica' : ''})`,
  ),
];

const MSS_READING = reading(
  'MSS_ADDRESS',
  /@/,
  (v) => checkMssAddress(v),
  (a) => `MSSanté address ${a.address} is valid (domain ${a.domain})`,
);
const PATIENT_READING = reading(
  'PATIENT_ADDRESS',
  /@/,
  (v) => checkMssAddress(v),
  (a) => `Patient address ${a.address} is valid (INS ${a.ins})`,
);

export function identify(value: string): Identification[] {
  if (typeof value !== 'string') return [];
  const v = value.trim();
  if (v.includes('@')) {
    const domain = v.slice(v.lastIndexOf('@') + 1).toLowerCase();
    return [(domain === PATIENT_DOMAIN ? PATIENT_READING : MSS_READING).read(v)];
  }
  const found = NUMBER_READINGS.filter((r) => r.shape.test(v)).map((r) => r.read(v));
  // Stable sort: within valid and within invalid, the order of IDENTIFIER_KINDS is kept.
  return found.sort((a, b) => Number(b.valid) - Number(a.valid));
}
