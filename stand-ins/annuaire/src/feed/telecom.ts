// The mailbox carried by a `telecom` ContactPoint (profile as-mailbox-mss), as operators write it.

import { checkMssAddress, isMailboxType, type MailboxType } from '@mss/domain';
import { FhirError, invalid } from '../fhir/outcome.ts';
import { EMAIL_TYPE_EXTENSION, MAILBOX_METADATA_EXTENSION } from '../fhir/systems.ts';

/** Metadata fields an operator may set (formats-notes §2.1–2.2); `type` only at creation. */
export const METADATA_FIELDS = ['listeRouge', 'description', 'service', 'responsible', 'digitization'] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];

export interface MailboxDeclaration {
  address: string;
  type: MailboxType;
  listeRouge?: boolean;
  description?: string | null;
  service?: string | null;
  responsible?: string | null;
  digitization?: boolean;
  rank?: number;
}

/** A valid MSSanté address of a professional space (not a patient's), as written. */
export function parseAddress(value: unknown, where: string): string {
  if (typeof value !== 'string') throw invalid(`${where}: the mailbox address (telecom.value) must be a string`);
  const checked = checkMssAddress(value);
  if (!checked.ok) throw invalid(`${where}: ${checked.error.message}`);
  if (checked.value.patient) throw invalid(`${where}: ${value} is a patient address; the directory lists professionals' mailboxes only`);
  return checked.value.address;
}

/** Checks a metadata value's FHIR type and that the field applies to the mailbox type. */
export function checkField(
  field: MetadataField | 'rank',
  value: unknown,
  type: MailboxType | undefined,
  where: string,
): boolean | string | number | null {
  if (value === null) return null;
  if (field === 'rank') {
    if (!Number.isInteger(value) || (value as number) < 1)
      throw invalid(`${where}: rank must be a positive integer (1 = preferred mailbox)`);
    return value as number;
  }
  if (field === 'listeRouge' || field === 'digitization') {
    if (typeof value !== 'boolean') throw invalid(`${where}: ${field} must be a boolean (valueBoolean)`);
    return value;
  }
  if (typeof value !== 'string') throw invalid(`${where}: ${field} must be a string (valueString)`);
  if (type === 'PER' && (field === 'description' || field === 'responsible'))
    throw invalid(`${where}: a PER mailbox has no ${field} (only CAB, ORG and APP mailboxes do)`);
  if (field === 'service' && type !== undefined && type !== 'ORG' && type !== 'APP')
    throw invalid(`${where}: only ORG and APP mailboxes have a service`);
  return value.trim() === '' ? null : value;
}

/** A `valueContactPoint` of an insert or replace: an e-mail with the MSSanté metadata extension. */
export function parseMailboxTelecom(cp: unknown, where: string): MailboxDeclaration {
  if (!cp || typeof cp !== 'object' || Array.isArray(cp))
    throw invalid(`${where}: value must be a ContactPoint object (valueContactPoint)`);
  const c = cp as Record<string, unknown>;
  if (c.system !== 'email') throw invalid(`${where}: telecom.system must be "email" for an MSSanté mailbox`);
  const address = parseAddress(c.value, where);
  const fields: Partial<Record<MetadataField, unknown>> = {};
  let type: MailboxType | undefined;
  for (const ext of asArray(c.extension, `${where}: extension`)) {
    const url = (ext as Record<string, unknown>).url;
    if (url === EMAIL_TYPE_EXTENSION) {
      const code = (((ext as Record<string, unknown>).valueCoding ?? {}) as { code?: unknown }).code;
      if (code !== 'MSSANTE')
        throw invalid(`${where}: the e-mail type of an MSSanté mailbox is MSSANTE (TRE_R256), not ${JSON.stringify(code)}`);
    } else if (url === MAILBOX_METADATA_EXTENSION) {
      for (const sub of asArray((ext as Record<string, unknown>).extension, `${where}: metadata extension`)) {
        // biome-ignore lint/suspicious/noExplicitAny: an untrusted FHIR sub-extension, every field checked below
        const s = sub as Record<string, any>;
        if (s.url === 'type') {
          const codes = (s.valueCodeableConcept?.coding ?? []).map((x: Record<string, unknown>) => x.code);
          const code = codes.find(isMailboxType);
          if (!code) throw invalid(`${where}: metadata type must be a TRE_R257 code PER, ORG, APP or CAB, got ${JSON.stringify(codes)}`);
          type = code;
        } else if ((METADATA_FIELDS as readonly string[]).includes(s.url)) {
          fields[s.url as MetadataField] = choiceValue(s);
        } else {
          throw invalid(`${where}: unknown mailbox metadata ${JSON.stringify(s.url)} (type, ${METADATA_FIELDS.join(', ')})`);
        }
      }
    } else {
      throw invalid(`${where}: unknown telecom extension ${JSON.stringify(url)}`);
    }
  }
  if (!type) throw invalid(`${where}: the mailbox type is required (metadata extension ${MAILBOX_METADATA_EXTENSION}, sub-extension type)`);
  const out: MailboxDeclaration = { address, type };
  for (const [f, v] of Object.entries(fields) as [MetadataField, unknown][])
    (out as unknown as Record<string, unknown>)[f] = checkField(f, v, type, where);
  if (c.rank !== undefined) out.rank = checkField('rank', c.rank, type, where) as number;
  return out;
}

/** The value[x] of an extension or parameter part, whatever its type suffix. */
export function choiceValue(element: Record<string, unknown>): unknown {
  const key = Object.keys(element).find((k) => k.startsWith('value'));
  return key === undefined ? undefined : element[key];
}

function asArray(v: unknown, where: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be an array`);
  return v;
}

export { FhirError };
