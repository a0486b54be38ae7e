// The CDA R2 header (HL7 CDA R2, namespace urn:hl7-org:v3) as an operator needs it: what the
// document is (type code, title, date, confidentiality), whom it is about (the patient's
// identifiers, the INS among them, and the identity traits), who wrote it (the author's IdNat and
// structure), who keeps it (custodian), and what body it has. Read from the tree of xml.ts; no
// schema validation: a field that is missing is null, and the checks say what that means.

import { checkIdNatPerson, checkIns } from '@mss/domain';
import { UnsafeArchiveError } from './errors.ts';
import { type XmlElement, child, childrenNamed, path, textOf } from './xml.ts';

export const HL7_V3 = 'urn:hl7-org:v3';

/** The INS referential's OIDs (domain reference formats-notes §5.5): which number, and whether a test one. */
export const INS_OIDS: Readonly<Record<string, { kind: 'NIR' | 'NIA'; test: boolean }>> = {
  '1.2.250.1.213.1.4.8': { kind: 'NIR', test: false },
  '1.2.250.1.213.1.4.9': { kind: 'NIA', test: false },
  '1.2.250.1.213.1.4.10': { kind: 'NIR', test: true },
  '1.2.250.1.213.1.4.11': { kind: 'NIA', test: true },
};

/** The OID of IdNat of health professionals (RPPS, ADELI… with their type prefix). */
export const IDNAT_PS_OID = '1.2.250.1.71.4.2.1';
export const LOINC_OID = '2.16.840.1.113883.6.1';

export interface InstanceId {
  readonly root: string;
  readonly extension: string | null;
}

export interface PatientIdentifier extends InstanceId {
  /** Set when the root is an INS OID. */
  readonly ins: {
    readonly kind: 'NIR' | 'NIA';
    readonly test: boolean;
    /** Format and key hold (R-DOC-3). */
    readonly valid: boolean;
    readonly problem: string | null;
  } | null;
}

export interface Coded {
  readonly code: string;
  readonly codeSystem: string | null;
  readonly displayName: string | null;
}

export interface CdaHeader {
  readonly id: InstanceId | null;
  readonly typeCode: Coded | null;
  readonly title: string | null;
  /** As written (HL7 TS: YYYYMMDDHHMMSS±ZZZZ, any precision). */
  readonly effectiveTime: string | null;
  readonly confidentiality: Coded | null;
  readonly patient: {
    readonly ids: readonly PatientIdentifier[];
    /** The valid INS, if one: the identity is qualified (CDA only carries the INS of a qualified identity). */
    readonly ins: string | null;
    readonly insOid: string | null;
    /** INS traits: birth name, first names, sex, birth date, birthplace (INSEE code). */
    readonly birthName: string | null;
    readonly usedName: string | null;
    readonly givenNames: readonly string[];
    readonly gender: string | null;
    readonly birthTime: string | null;
    readonly birthPlace: string | null;
  };
  readonly author: {
    readonly idnat: string | null;
    /** The IdNat is a valid one of a person (RPPS, ADELI, FINESS staff). */
    readonly idnatValid: boolean;
    readonly name: string | null;
    readonly organization: { readonly id: InstanceId | null; readonly name: string | null } | null;
  } | null;
  readonly custodian: { readonly id: InstanceId | null; readonly name: string | null } | null;
  /** `structured`: human-readable sections; `pdf`: an embedded PDF (nonXMLBody); `non-xml`: another media type. */
  readonly body: { readonly kind: 'structured' | 'pdf' | 'non-xml' | 'none'; readonly mediaType: string | null };
}

const v3 = (el: XmlElement | undefined, ...locals: string[]): XmlElement | undefined => path(el, HL7_V3, ...locals);
const attr = (el: XmlElement | undefined, name: string): string | null => {
  const v = el?.attrs[name]?.trim();
  return v ? v : null;
};

function instanceId(el: XmlElement | undefined): InstanceId | null {
  const root = attr(el, 'root');
  return root ? { root, extension: attr(el, 'extension') } : null;
}

function coded(el: XmlElement | undefined): Coded | null {
  const code = attr(el, 'code');
  return code ? { code, codeSystem: attr(el, 'codeSystem'), displayName: attr(el, 'displayName') } : null;
}

function patientIdentifier(id: InstanceId): PatientIdentifier {
  const oid = INS_OIDS[id.root];
  if (!oid) return { ...id, ins: null };
  const check = checkIns(id.extension ?? '', 'INS');
  return {
    ...id,
    ins: { kind: oid.kind, test: oid.test, valid: check.ok, problem: check.ok ? null : check.error.message },
  };
}

/** The header of a CDA R2 document; throws UnsafeArchiveError('xml-malformed') when the root is not a ClinicalDocument. */
export function readCdaHeader(root: XmlElement, entry: string | null = null): CdaHeader {
  if (root.ns !== HL7_V3 || root.local !== 'ClinicalDocument') {
    throw new UnsafeArchiveError('xml-malformed', `root is {${root.ns}}${root.local}, not a CDA ClinicalDocument`, entry);
  }
  const role = v3(root, 'recordTarget', 'patientRole');
  const ids = (role ? childrenNamed(role, HL7_V3, 'id') : [])
    .map(instanceId)
    .filter((i): i is InstanceId => i !== null)
    .map(patientIdentifier);
  const ins = ids.find((i) => i.ins?.valid);
  const person = v3(role, 'patient');
  const names = person ? childrenNamed(person, HL7_V3, 'name') : [];
  const families = names.flatMap((n) => childrenNamed(n, HL7_V3, 'family'));
  // French CDA: qualifier BR for the birth name, SP for the used name (CI-SIS); unqualified = birth name.
  const birthName = families.find((f) => attr(f, 'qualifier') === 'BR') ?? families.find((f) => !attr(f, 'qualifier'));
  const usedName = families.find((f) => attr(f, 'qualifier') === 'SP');
  const givenNames = names
    .flatMap((n) => childrenNamed(n, HL7_V3, 'given'))
    .map((g) => textOf(g))
    .filter((g) => g !== '');

  const assigned = v3(root, 'author', 'assignedAuthor');
  const authorId = assigned
    ? childrenNamed(assigned, HL7_V3, 'id')
        .map(instanceId)
        .find((i) => i?.root === IDNAT_PS_OID)
    : undefined;
  const idnat = authorId?.extension ?? null;
  const org = v3(assigned, 'representedOrganization');
  const custodianOrg = v3(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization');

  const component = v3(root, 'component');
  const nonXml = v3(component, 'nonXMLBody', 'text');
  const mediaType = attr(nonXml, 'mediaType');
  const body: CdaHeader['body'] = child(component, HL7_V3, 'structuredBody')
    ? { kind: 'structured', mediaType: null }
    : nonXml
      ? { kind: mediaType?.toLowerCase() === 'application/pdf' ? 'pdf' : 'non-xml', mediaType }
      : { kind: 'none', mediaType: null };

  return {
    id: instanceId(v3(root, 'id')),
    typeCode: coded(v3(root, 'code')),
    title: textOf(v3(root, 'title')) || null,
    effectiveTime: attr(v3(root, 'effectiveTime'), 'value'),
    confidentiality: coded(v3(root, 'confidentialityCode')),
    patient: {
      ids,
      ins: ins?.extension ?? null,
      insOid: ins?.root ?? null,
      birthName: textOf(birthName) || null,
      usedName: textOf(usedName) || null,
      givenNames,
      gender: attr(v3(person, 'administrativeGenderCode'), 'code'),
      birthTime: attr(v3(person, 'birthTime'), 'value'),
      birthPlace: textOf(v3(person, 'birthplace', 'place', 'addr', 'county')) || null,
    },
    author: assigned
      ? {
          idnat,
          idnatValid: idnat !== null && checkIdNatPerson(idnat).ok,
          name: textOf(v3(assigned, 'assignedPerson', 'name')) || null,
          organization: org ? { id: instanceId(v3(org, 'id')), name: textOf(v3(org, 'name')) || null } : null,
        }
      : null,
    custodian: custodianOrg ? { id: instanceId(v3(custodianOrg, 'id')), name: textOf(v3(custodianOrg, 'name')) || null } : null,
    body,
  };
}

/** The patient is identified by a qualified INS (a valid INS under an INS OID). */
export function insQualified(header: CdaHeader): boolean {
  return header.patient.ins !== null;
}
