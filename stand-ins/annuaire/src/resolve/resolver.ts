import type { DirectoryData, DirectoryMailbox, Person, Situation, Structure } from '../directory/data.ts';
import { situationIsActive } from '../fhir/resources.ts';

/** Where the document is going: a structure (FINESS, SIRET or structure IdNat), a postal code, a city. */
export interface ResolutionContext {
  structure?: string;
  postalCode?: string;
  city?: string;
}

export interface MailboxCandidate {
  address: string;
  type: DirectoryMailbox['type'];
  description: string | null;
  /** The situation d'exercice the mailbox is attached to; null: attached to none, valid for all (R-ANN-1). */
  situation: {
    id: string;
    active: boolean;
    structure: { idnat: string; name: string; finess: string | null; siret: string | null } | null;
    practiceName: string | null;
    street: string;
    postalCode: string;
    city: string;
    departement: string;
  } | null;
  /** True when this mailbox fits the context. */
  matched: boolean;
}

export type ResolutionOutcome = 'matched' | 'only-mailbox' | 'no-match' | 'no-mailbox';

export interface Resolution {
  professional: { idnat: string; rpps: string | null; name: string };
  context: ResolutionContext;
  outcome: ResolutionOutcome;
  /** The mailbox to use, when one fits; otherwise null and the caller chooses among `candidates`. */
  mailbox: MailboxCandidate | null;
  reason: string;
  /** Every published mailbox of the person, each with its context. */
  candidates: MailboxCandidate[];
  /** The situations that fit the context (ids), for the FHIR view. */
  matchedSituations: string[];
}

export class ResolutionError extends Error {
  readonly status: 400 | 404;
  constructor(status: 400 | 404, message: string) {
    super(message);
    this.name = 'ResolutionError';
    this.status = status;
  }
}

/** A professional identifier as written by a sender: IdNat (8+RPPS, 0+ADELI…) or a bare RPPS. */
export function professionalIdnat(value: string): string {
  const v = value.trim();
  if (/^\d{11}$/.test(v)) return `8${v}`;
  if (/^(8\d{11}|0[0-9][0-9A-Za-z]\d{7}|[13456]\S+)$/.test(v)) return v;
  throw new ResolutionError(400, `professional "${value}" is neither an RPPS (11 digits) nor an IdNat (e.g. 8 + RPPS)`);
}

/** A structure identifier: FINESS (9), SIRET (14), or a structure IdNat (1+FINESS, 3+SIRET). */
export function structureIdnat(value: string): string {
  const v = value.trim().toUpperCase();
  if (/^\d[\dAB]\d{7}$/.test(v)) return `1${v}`;
  if (/^\d{14}$/.test(v)) return `3${v}`;
  if (/^1\d[\dAB]\d{7}$/.test(v) || /^3\d{14}$/.test(v) || /^2\d{9}$/.test(v)) return v;
  throw new ResolutionError(
    400,
    `structure "${value}" is neither a FINESS (9 characters), a SIRET (14 digits) nor a structure IdNat (1+FINESS, 3+SIRET)`,
  );
}

// Among mailboxes that fit equally, the professional's own (PER) before the practice's (CAB).
const TYPE_ORDER: Record<string, number> = { PER: 0, CAB: 1, ORG: 2, APP: 3 };
const byPreference = (a: MailboxCandidate, b: MailboxCandidate): number =>
  (TYPE_ORDER[a.type] ?? 9) - (TYPE_ORDER[b.type] ?? 9) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/**
 * R-ANN-4: the mailbox to use for a professional in a context. A mailbox attached to a situation
 * d'exercice that fits the context (every context field given must fit; ended situations never
 * fit) wins; when the fitting situations have none of their own, the person's mailbox attached to
 * no situation does (R-ANN-1 shows it on all of them). With no context and a single mailbox, that
 * one. Otherwise no choice is made and every published mailbox comes back with its context.
 */
export async function resolveMailbox(
  data: DirectoryData,
  professional: string,
  context: ResolutionContext,
  today = new Date().toISOString().slice(0, 10),
): Promise<Resolution> {
  const idnat = professionalIdnat(professional);
  const [person] = await data.persons([idnat]);
  if (!person) throw new ResolutionError(404, `no professional ${idnat} in the directory`);
  const ctx: ResolutionContext = {};
  if (context.structure?.trim()) ctx.structure = structureIdnat(context.structure);
  if (context.postalCode?.trim()) {
    if (!/^\d[\dAB]\d{3}$/.test(context.postalCode.trim()))
      throw new ResolutionError(400, `postal code "${context.postalCode}" is not five characters`);
    ctx.postalCode = context.postalCode.trim();
  }
  if (context.city?.trim()) ctx.city = context.city.trim();

  const [situations, mailboxes] = await Promise.all([data.situationsOfPersons([idnat]), data.publishedMailboxesOf([idnat])]);
  const structures = new Map(
    (await data.structures([...new Set(situations.flatMap((s) => (s.structure_idnat ? [s.structure_idnat] : [])))])).map((s) => [
      s.idnat,
      s,
    ]),
  );
  const fits = (s: Situation): boolean =>
    situationIsActive(s, today) &&
    (ctx.structure === undefined || s.structure_idnat === ctx.structure) &&
    (ctx.postalCode === undefined || s.postal_code === ctx.postalCode) &&
    (ctx.city === undefined || sameCity(s.city, ctx.city));
  const hasContext = ctx.structure !== undefined || ctx.postalCode !== undefined || ctx.city !== undefined;
  const fitting = hasContext ? situations.filter(fits) : [];
  const fittingIds = new Set(fitting.map((s) => s.id));
  const situationById = new Map(situations.map((s) => [s.id, s]));

  const own = mailboxes.filter((m) => m.type === 'PER' || m.type === 'CAB');
  const attachedFit = own.filter((m) => m.situation_id !== null && fittingIds.has(m.situation_id));
  const unattached = own.filter((m) => m.situation_id === null);
  const chosenSet = new Set(attachedFit.length ? attachedFit : fitting.length ? unattached : []);

  const candidates = own
    .map((m) => candidate(m, m.situation_id ? situationById.get(m.situation_id) : undefined, structures, today, chosenSet.has(m)))
    .sort((a, b) => Number(b.matched) - Number(a.matched) || byPreference(a, b));
  const professionalView = { idnat, rpps: person.rpps, name: displayName(person) };
  const base = { professional: professionalView, context: ctx, candidates, matchedSituations: [...fittingIds] };

  if (own.length === 0)
    return {
      ...base,
      outcome: 'no-mailbox',
      mailbox: null,
      reason: `${professionalView.name} has no published mailbox (none, or all on liste rouge)`,
    };
  const matched = candidates.filter((c) => c.matched);
  if (matched.length) {
    const chosen = matched[0]!;
    const where = chosen.situation ? describePlace(chosen.situation) : describeFitting(fitting, structures);
    const reason = attachedFit.length
      ? `${chosen.type} mailbox attached to the situation d'exercice ${where}, which fits the context${matched.length > 1 ? ` (${matched.length} fit; a PER comes before a CAB)` : ''}`
      : `the situation d'exercice ${where} fits the context but has no mailbox of its own; the person's mailbox attached to no situation applies to all of them (R-ANN-1)`;
    return { ...base, outcome: 'matched', mailbox: chosen, reason };
  }
  if (!hasContext && own.length === 1) {
    return {
      ...base,
      outcome: 'only-mailbox',
      mailbox: { ...candidates[0]!, matched: true },
      candidates: [{ ...candidates[0]!, matched: true }],
      reason: 'no context given and the person has a single published mailbox',
    };
  }
  const reason = hasContext
    ? `no situation d'exercice of ${professionalView.name} fits the context; every published mailbox is listed with its context`
    : `no context given and ${professionalView.name} has ${own.length} published mailboxes; give a structure, postal code or city`;
  return { ...base, outcome: 'no-match', mailbox: null, reason };
}

function candidate(
  m: DirectoryMailbox,
  s: Situation | undefined,
  structures: Map<string, Structure>,
  today: string,
  matched: boolean,
): MailboxCandidate {
  const st = s?.structure_idnat ? structures.get(s.structure_idnat) : undefined;
  return {
    address: m.address,
    type: m.type,
    description: m.description,
    situation: s
      ? {
          id: s.id,
          active: situationIsActive(s, today),
          structure: st ? { idnat: st.idnat, name: st.name, finess: st.finess, siret: st.siret } : null,
          practiceName: s.practice_name,
          street: s.street,
          postalCode: s.postal_code,
          city: s.city,
          departement: s.departement,
        }
      : null,
    matched,
  };
}

function sameCity(a: string, b: string): boolean {
  const norm = (v: string) => v.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[-'’]/g, ' ').replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

function displayName(p: Person): string {
  return `${p.first_name} ${p.last_name}`.trim();
}

function describePlace(s: NonNullable<MailboxCandidate['situation']>): string {
  return `"${s.structure?.name ?? s.practiceName ?? s.street}" (${s.postalCode} ${s.city})`;
}

function describeFitting(fitting: Situation[], structures: Map<string, Structure>): string {
  const s = fitting[0]!;
  const st = s.structure_idnat ? structures.get(s.structure_idnat) : undefined;
  return `"${st?.name ?? s.practice_name ?? s.street}" (${s.postal_code} ${s.city})`;
}
