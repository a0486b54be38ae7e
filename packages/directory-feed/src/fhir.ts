// How an outbox row reads in the directory's FHIR write API (formats-notes §2.1–2.2): which
// resource carries the mailbox, found by its business identifier, and the Parameters body.

import {
  BAL_TYPE_SYSTEM,
  EMAIL_TYPE_EXTENSION,
  EMAIL_TYPE_SYSTEM,
  FINESS_SYSTEM,
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  MAILBOX_METADATA_EXTENSION,
  RPPS_SYSTEM,
  SIRENE_SYSTEM,
  TECHNICAL_SYSTEM,
} from '@mss/domain';
import type { DirectoryPublication } from '@mss/store';

type ResourceType = 'Practitioner' | 'PractitionerRole' | 'Organization';

/** `system|value` naming a person: the RPPS when the IdNat is RPPS-based (`8` + RPPS), else the IdNat. */
export function personIdentifier(idnat: string): string {
  return /^8\d{11}$/.test(idnat) ? `${RPPS_SYSTEM}|${idnat.slice(1)}` : `${IDNPS_SYSTEM}|${idnat}`;
}

/** `system|value` naming a structure: FINESS (`1` + FINESS), SIRET (`3` + SIRET), else the IdNat. */
export function structureIdentifier(idnat: string): string {
  if (/^1\d{9}$/.test(idnat)) return `${FINESS_SYSTEM}|${idnat.slice(1)}`;
  if (/^3\d{14}$/.test(idnat)) return `${SIRENE_SYSTEM}|${idnat.slice(1)}`;
  return `${IDNST_SYSTEM}|${idnat}`;
}

/**
 * Where a mailbox goes: ORG/APP on the Organization; PER/CAB on the PractitionerRole of its
 * situation d'exercice when it has one, else on the owner's Practitioner. A withdrawal always
 * names the owner (Practitioner or Organization): the directory finds the mailbox there
 * whatever situation it was shown on.
 */
export function resourceFor(p: DirectoryPublication, operation: 'publish' | 'withdraw'): { type: ResourceType; identifier: string } {
  if (p.type === 'ORG' || p.type === 'APP') return { type: 'Organization', identifier: structureIdentifier(p.ownerIdnat) };
  if (p.situationId && operation === 'publish') return { type: 'PractitionerRole', identifier: `${TECHNICAL_SYSTEM}|${p.situationId}` };
  return { type: 'Practitioner', identifier: personIdentifier(p.ownerIdnat) };
}

/** The conditional PATCH path, relative to the FHIR base. */
export function patchPath(p: DirectoryPublication, operation: 'publish' | 'withdraw'): string {
  const r = resourceFor(p, operation);
  return `/${r.type}?identifier=${encodeURIComponent(r.identifier)}`;
}

/** The mailbox as a ContactPoint (profile as-mailbox-mss), metadata only where the type has it. */
export function mailboxTelecom(p: DirectoryPublication): Record<string, unknown> {
  const meta: Record<string, unknown>[] = [
    { url: 'type', valueCodeableConcept: { coding: [{ system: BAL_TYPE_SYSTEM, code: p.type }] } },
    { url: 'listeRouge', valueBoolean: p.listeRouge },
    { url: 'digitization', valueBoolean: p.digitization },
  ];
  if (p.type !== 'PER' && p.description) meta.push({ url: 'description', valueString: p.description });
  if ((p.type === 'ORG' || p.type === 'APP') && p.service) meta.push({ url: 'service', valueString: p.service });
  return {
    system: 'email',
    value: p.address,
    extension: [
      { url: EMAIL_TYPE_EXTENSION, valueCoding: { system: EMAIL_TYPE_SYSTEM, code: 'MSSANTE' } },
      { url: MAILBOX_METADATA_EXTENSION, extension: meta },
    ],
  };
}

/**
 * The PATCH body: `publish` inserts the mailbox (the directory treats an insert of an address
 * it already has on that owner as an update, so a retry or a later change is the same call);
 * `withdraw` deletes it.
 */
export function patchBody(p: DirectoryPublication, operation: 'publish' | 'withdraw'): Record<string, unknown> {
  const type = resourceFor(p, operation).type;
  const part =
    operation === 'publish'
      ? [
          { name: 'type', valueCode: 'insert' },
          { name: 'path', valueString: `${type}.telecom` },
          { name: 'index', valueInteger: 0 },
          { name: 'value', valueContactPoint: mailboxTelecom(p) },
        ]
      : [
          { name: 'type', valueCode: 'delete' },
          { name: 'path', valueString: `${type}.telecom.where(value = '${p.address.replaceAll("'", "\\'")}')` },
        ];
  return { resourceType: 'Parameters', parameter: [{ name: 'operation', part }] };
}
