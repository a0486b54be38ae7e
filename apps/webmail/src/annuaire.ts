// Recipient suggestions from the Annuaire Santé (R-ANN-2, R-ANN-4): the professionals whose name
// starts with what the person typed, each with their MSSanté mailboxes, type and situation
// d'exercice, through the national directory's FHIR API v2 and its resolver, asked by the
// operator (its API key stays on the server). Uses @mss/client's directory readers.

import { FhirDirectory, resolveMailbox, type CandidateMailbox } from '@mss/client';

export interface AnnuaireSettings {
  /** FHIR API v2 base, e.g. http://127.0.0.1:8082/fhir/v2 */
  fhir: string;
  apiKey: string;
  /** The multi-mailbox resolver (R-ANN-4), when the directory offers one. */
  resolver?: string;
}

export interface Suggestion {
  name: string;
  profession: string | null;
  address: string;
  type: string | null;
  /** Where the mailbox is attached (practice or structure, city), or null when on every situation. */
  situation: string | null;
}

const MAX_PEOPLE = 8;

function situationText(c: CandidateMailbox): string | null {
  const s = c.situation;
  if (!s) return null;
  const place = [s.postalCode, s.city].filter(Boolean).join(' ');
  return [s.practiceName, place].filter(Boolean).join(', ') || null;
}

export async function suggest(settings: AnnuaireSettings, text: string): Promise<Suggestion[]> {
  const directory = new FhirDirectory({ fhir: settings.fhir, fhirApiKey: settings.apiKey });
  const people = await directory.searchPractitioners({ name: text, withMailbox: true, pageSize: MAX_PEOPLE }, MAX_PEOPLE);
  const out: Suggestion[] = [];
  for (const p of people) {
    const name = [...p.given, p.family ?? ''].join(' ').trim() || p.idnat;
    const profession = p.profession?.display ?? null;
    // The resolver gives each mailbox's situation; without one, the FHIR record's mailboxes alone.
    let candidates: CandidateMailbox[] | undefined;
    if (settings.resolver) {
      try {
        candidates = [...(await resolveMailbox({ resolver: settings.resolver, fhirApiKey: settings.apiKey }, p.idnat)).candidates];
      } catch {
        candidates = undefined;
      }
    }
    if (candidates?.length)
      for (const c of candidates) out.push({ name, profession, address: c.address, type: c.type, situation: situationText(c) });
    else for (const m of p.mailboxes) out.push({ name, profession, address: m.address, type: m.type, situation: null });
  }
  return out;
}
