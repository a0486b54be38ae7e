// The Annuaire Santé's FHIR API v2 (formats-notes §4): practitioners and their MSSanté mailboxes
// (`telecom` with the as-ext-mailbox-mss-metadata extension), searched by name, RPPS/IdNat or
// mailbox (`mailbox-mss`), every page followed through the Bundle's `next` link.

import type { MssEnvironment } from '../environment.ts';
import { MssClientError } from '../errors.ts';

export const IDNPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';
export const RPPS_SYSTEM = 'http://rpps.fr';
const MAILBOX_METADATA = 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata';
const EMAIL_TYPE = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type';

export type MailboxType = 'PER' | 'ORG' | 'APP' | 'CAB';

export interface DirectoryMailbox {
  readonly address: string;
  readonly type: MailboxType | null;
  readonly description: string | null;
  readonly service: string | null;
  /** Accepts dematerialised documents ("dématérialisation"). */
  readonly digitization: boolean | null;
}

export interface Professional {
  readonly idnat: string;
  readonly rpps: string | null;
  readonly family: string | null;
  readonly given: readonly string[];
  readonly profession: { readonly code: string; readonly display: string | null } | null;
  readonly mailboxes: readonly DirectoryMailbox[];
}

export interface PractitionerQuery {
  /** Any part of the name, starting with (FHIR string search). */
  readonly name?: string;
  readonly family?: string;
  readonly given?: string;
  readonly rpps?: string;
  readonly idnat?: string;
  /** Mailbox address, starting with (autocomplete). */
  readonly mailbox?: string;
  /** Only practitioners with at least one MSSanté mailbox (`mailbox-mss:contains=@`). */
  readonly withMailbox?: boolean;
  /** Page size (`_count`). */
  readonly pageSize?: number;
}

interface FhirExtension {
  url: string;
  valueString?: string;
  valueBoolean?: boolean;
  valueCoding?: { code?: string };
  valueCodeableConcept?: { coding?: { code?: string }[] };
  extension?: FhirExtension[];
}
interface FhirPractitioner {
  resourceType: 'Practitioner';
  id: string;
  identifier?: { system?: string; value?: string }[];
  name?: { family?: string; given?: string[] }[];
  telecom?: { system?: string; value?: string; extension?: FhirExtension[] }[];
  qualification?: { code?: { coding?: { system?: string; code?: string; display?: string }[] } }[];
}
interface Bundle {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: { resourceType: string }; search?: { mode?: string } }[];
}

const PROFESSION_SYSTEM = 'TRE_G15-ProfessionSante';

export function mailboxesOf(telecom: FhirPractitioner['telecom']): DirectoryMailbox[] {
  const out: DirectoryMailbox[] = [];
  for (const t of telecom ?? []) {
    if (t.system !== 'email' || !t.value) continue;
    const isMss = t.extension?.some((e) => e.url === EMAIL_TYPE && e.valueCoding?.code === 'MSSANTE');
    if (!isMss) continue; // a plain correspondence e-mail is not an MSSanté address
    const meta = t.extension?.find((e) => e.url === MAILBOX_METADATA)?.extension ?? [];
    const sub = (name: string) => meta.find((e) => e.url === name);
    const type = sub('type')?.valueCodeableConcept?.coding?.[0]?.code;
    out.push({
      address: t.value,
      type: type === 'PER' || type === 'ORG' || type === 'APP' || type === 'CAB' ? type : null,
      description: sub('description')?.valueString ?? null,
      service: sub('service')?.valueString ?? null,
      digitization: sub('digitization')?.valueBoolean ?? null,
    });
  }
  return out;
}

function professional(p: FhirPractitioner): Professional {
  const id = (system: string) => p.identifier?.find((i) => i.system === system)?.value ?? null;
  const profession = p.qualification?.flatMap((q) => q.code?.coding ?? []).find((c) => c.system?.includes(PROFESSION_SYSTEM));
  return {
    idnat: id(IDNPS_SYSTEM) ?? p.id,
    rpps: id(RPPS_SYSTEM),
    family: p.name?.[0]?.family ?? null,
    given: p.name?.[0]?.given ?? [],
    profession: profession?.code ? { code: profession.code, display: profession.display ?? null } : null,
    mailboxes: mailboxesOf(p.telecom),
  };
}

export class FhirDirectory {
  readonly #base: string;
  readonly #apiKey: string;

  constructor(env: Pick<MssEnvironment, 'fhir' | 'fhirApiKey'>) {
    this.#base = env.fhir.replace(/\/+$/, '');
    this.#apiKey = env.fhirApiKey;
  }

  async #get(url: string): Promise<Bundle> {
    let res: Response;
    try {
      res = await fetch(url, { headers: { 'ESANTE-API-KEY': this.#apiKey, accept: 'application/fhir+json' } });
    } catch (err) {
      throw new MssClientError('DIRECTORY_ERROR', `cannot reach the Annuaire Santé at ${this.#base}`, { cause: err });
    }
    const body = (await res.json().catch(() => null)) as (Bundle & { issue?: { diagnostics?: string }[] }) | null;
    if (!res.ok || body?.resourceType !== 'Bundle') {
      const why = body?.issue?.[0]?.diagnostics ?? `HTTP ${res.status}`;
      throw new MssClientError('DIRECTORY_ERROR', `the Annuaire Santé refused the search: ${why}`);
    }
    return body;
  }

  /** Every practitioner matching, page after page (the `next` link followed until there is none). */
  async *practitioners(q: PractitionerQuery): AsyncGenerator<Professional> {
    const params = new URLSearchParams();
    if (q.name) params.set('name', q.name);
    if (q.family) params.set('family', q.family);
    if (q.given) params.set('given', q.given);
    if (q.rpps) params.append('identifier', `${RPPS_SYSTEM}|${q.rpps}`);
    if (q.idnat) params.append('identifier', `${IDNPS_SYSTEM}|${q.idnat}`);
    if (q.mailbox) params.set('mailbox-mss', q.mailbox);
    else if (q.withMailbox) params.set('mailbox-mss:contains', '@');
    params.set('_count', String(q.pageSize ?? 50));
    let url: string | undefined = `${this.#base}/Practitioner?${params}`;
    while (url) {
      const bundle = await this.#get(url);
      for (const e of bundle.entry ?? []) {
        if (e.resource?.resourceType === 'Practitioner' && (e.search?.mode ?? 'match') === 'match') {
          yield professional(e.resource as FhirPractitioner);
        }
      }
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
  }

  /** At most `limit` practitioners (default 50). */
  async searchPractitioners(q: PractitionerQuery, limit = 50): Promise<Professional[]> {
    const out: Professional[] = [];
    for await (const p of this.practitioners({ ...q, pageSize: q.pageSize ?? Math.min(limit, 50) })) {
      out.push(p);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** One professional by RPPS (11 digits) or IdNat (12 characters starting with 8 or 0). */
  async professional(identifier: string): Promise<Professional | null> {
    const q = identifier.length === 11 ? { rpps: identifier } : { idnat: identifier };
    return (await this.searchPractitioners(q, 1))[0] ?? null;
  }
}
