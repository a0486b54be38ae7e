// R-ANN-4: a professional with several mailboxes (several situations, a PER and a CAB, several
// operators) — which one to write to for this context? The directory's resolver answers with
// the chosen mailbox and why, or every candidate with its situation when none fits.

import type { MssEnvironment } from '../environment.ts';
import { MssClientError } from '../errors.ts';
import type { MailboxType } from './fhir.ts';

export interface ResolutionContext {
  /** FINESS, SIRET or structure IdNat of the place the document is for. */
  readonly structure?: string;
  readonly postalCode?: string;
  readonly city?: string;
}

export interface Situation {
  readonly id: string;
  readonly active: boolean;
  readonly structure: string | null;
  readonly practiceName: string | null;
  readonly street: string | null;
  readonly postalCode: string | null;
  readonly city: string | null;
  readonly departement: string | null;
}

export interface CandidateMailbox {
  readonly address: string;
  readonly type: MailboxType;
  readonly description?: string | null;
  readonly situation: Situation | null;
  readonly matched: boolean;
}

export interface Resolution {
  readonly professional: { readonly idnat: string; readonly rpps: string | null; readonly name: string };
  readonly outcome: 'matched' | 'only-mailbox' | 'no-match' | 'no-mailbox' | string;
  /** The mailbox to write to, or null when the context does not decide (then choose among `candidates`). */
  readonly mailbox: CandidateMailbox | null;
  readonly reason: string;
  readonly candidates: readonly CandidateMailbox[];
}

export async function resolveMailbox(
  env: Pick<MssEnvironment, 'resolver' | 'fhirApiKey'>,
  professional: string,
  context: ResolutionContext = {},
): Promise<Resolution> {
  if (!env.resolver) throw new MssClientError('DIRECTORY_ERROR', 'this environment has no mailbox resolver');
  const params = new URLSearchParams({ professional });
  if (context.structure) params.set('structure', context.structure);
  if (context.postalCode) params.set('postal-code', context.postalCode);
  if (context.city) params.set('city', context.city);
  let res: Response;
  try {
    res = await fetch(`${env.resolver}?${params}`, { headers: { 'ESANTE-API-KEY': env.fhirApiKey, accept: 'application/json' } });
  } catch (err) {
    throw new MssClientError('DIRECTORY_ERROR', 'cannot reach the mailbox resolver', { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as Resolution & { detail?: string };
  if (res.status === 404) throw new MssClientError('NOT_FOUND', body.detail ?? `no professional ${professional} in the directory`);
  if (!res.ok) throw new MssClientError('DIRECTORY_ERROR', body.detail ?? `the resolver answered HTTP ${res.status}`);
  return body;
}
