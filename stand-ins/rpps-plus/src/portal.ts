// The RPPS+ registration portal's rules (domain reference §7, R-ENR-1): a secretary or medical
// assistant asks to be registered by the titular professional who employs her; only that
// titular validates or refuses; validation hands out an RPPS number (unique, Luhn key) made known
// to her after a delay, and writes her and her situation d'exercice to the Annuaire; she may then
// activate an e-CPS, which Pro Santé Connect honours after another delay; the titular sets an end
// date to the situation or ends it now. Every step is recorded (who, when, what). The web pages
// and the API only ask this module and show its answers.

import { createHash } from 'node:crypto';
import type { DeclaredSituation } from '@mss/annuaire';
import type { Logger } from '@mss/runtime';
import { isUniqueViolation, type NewPerson, type Person, type Situation, type Store } from '@mss/store';
import type { AnnuaireLink, Professional } from './annuaire-link.ts';
import { RppsPlusError } from './errors.ts';
import { allocateRpps } from './rpps-numbers.ts';
import { RppsPlusRepo, type RppsPlusEventRow, type RppsPlusRequestRow } from './store/index.ts';

export type RegistrationKind = 'SECRETARY' | 'MEDICAL_ASSISTANT';

export const KIND_LABEL: Readonly<Record<RegistrationKind, string>> = {
  SECRETARY: 'Secrétaire médical',
  MEDICAL_ASSISTANT: 'Assistant médical',
};

/** The civil status and contact details a request carries (prefilled from FranceConnect on the portal). */
export interface Applicant {
  civility: string;
  lastName: string;
  firstNames: string;
  birthDate: string;
  email?: string | undefined;
  phone?: string | undefined;
}

export interface SituationChoice {
  kind: RegistrationKind;
  /** The employer's RPPS (11 digits) or IdNat (8 + RPPS). */
  employer: string;
  /** The employer's situation d'exercice (practice); may be left out when the employer has only one. */
  practice?: string | undefined;
}

export interface RppsPlusDelays {
  /** Between validation and the RPPS number being made known to the applicant (real: up to 30 minutes). */
  rppsNoticeMs: number;
  /** Between the applicant's activation request and Pro Santé Connect knowing her (real: up to 48 hours). */
  ecpsActivationMs: number;
}

export const SANDBOX_DELAYS: RppsPlusDelays = { rppsNoticeMs: 5_000, ecpsActivationMs: 5_000 };

export interface RppsPlusOptions {
  store: Store;
  annuaire: AnnuaireLink;
  logger: Logger;
  delays?: RppsPlusDelays;
}

/** A request as its applicant sees it: the RPPS only once it has been made known to her. */
export interface ApplicantView {
  id: number;
  status: RppsPlusRequestRow['status'];
  kind: RegistrationKind;
  employerIdnat: string;
  practiceName: string;
  createdAt: string;
  decidedAt: string | null;
  refusalReason: string | null;
  /** 8 + RPPS, once made known. */
  idnat: string | null;
  rppsNoticeAt: string | null;
  ecpsRequestedAt: string | null;
  ecpsActiveAt: string | null;
  endDate: string | null;
}

/** A request as the titular sees it: everything, with its steps. */
export interface TitularView extends RppsPlusRequestRow {
  events: RppsPlusEventRow[];
}

const NAME = /^[\p{L}][\p{L}' -]{0,79}$/u;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[^\s@<>"]{2,}$/;
const PHONE = /^\+?[0-9 .]{6,20}$/;

function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function invalid(message: string): never {
  throw new RppsPlusError('invalid-input', message);
}

/** Trims and checks what a person typed; throws `invalid-input` naming the field, in French. */
export function checkApplicant(a: Applicant, today: string): Required<Applicant> {
  const civility = (a.civility ?? '').trim().toUpperCase();
  if (civility !== 'MME' && civility !== 'M') invalid('La civilité doit être « Mme » ou « M. ».');
  const lastName = (a.lastName ?? '').trim().replace(/\s+/g, ' ');
  if (!NAME.test(lastName))
    invalid('Le nom de naissance est obligatoire (lettres, espaces, tirets et apostrophes, 80 caractères au plus).');
  const firstNames = (a.firstNames ?? '').trim().replace(/\s+/g, ' ');
  if (!NAME.test(firstNames))
    invalid('Le ou les prénoms sont obligatoires (lettres, espaces, tirets et apostrophes, 80 caractères au plus).');
  const birthDate = (a.birthDate ?? '').trim();
  if (!validDate(birthDate) || birthDate >= today) invalid('La date de naissance doit être une date passée, au format AAAA-MM-JJ.');
  const email = (a.email ?? '').trim();
  if (email && !EMAIL.test(email)) invalid('L’adresse électronique n’est pas valide.');
  const phone = (a.phone ?? '').trim();
  if (phone && !PHONE.test(phone)) invalid('Le numéro de téléphone n’est pas valide (chiffres, espaces, points, + en tête).');
  return { civility, lastName, firstNames, birthDate, email, phone };
}

/** The key of an applicant who did not come through FranceConnect (the scripted API): her civil status. */
export function identityKey(a: Pick<Applicant, 'lastName' | 'firstNames' | 'birthDate'>): string {
  const text = `${a.lastName.toUpperCase()}|${a.firstNames.toUpperCase()}|${a.birthDate}`;
  return `identite:${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32)}`;
}

export class RppsPlus {
  readonly store: Store;
  readonly #requests: RppsPlusRepo;
  readonly annuaire: AnnuaireLink;
  readonly delays: RppsPlusDelays;
  readonly #log: Logger;

  constructor(options: RppsPlusOptions) {
    this.store = options.store;
    this.#requests = new RppsPlusRepo(options.store);
    this.annuaire = options.annuaire;
    this.delays = options.delays ?? SANDBOX_DELAYS;
    this.#log = options.logger.child({ service: 'rppsPlus' });
  }

  now(): Date {
    return this.store.now();
  }

  today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  /** Professionals by RPPS, IdNat or family name, with their current practices. */
  async findProfessionals(query: string): Promise<Professional[]> {
    return this.annuaire.findProfessionals(query, this.today());
  }

  /** The employer a request names and the practice chosen, or the refusal that says what is wrong. */
  async #employer(choice: SituationChoice): Promise<{ employer: Person; practice: Situation }> {
    const raw = (choice.employer ?? '').replace(/\s/g, '');
    if (!/^8?\d{11}$/.test(raw)) invalid('Indiquez le numéro RPPS (11 chiffres) du professionnel qui vous emploie.');
    const idnat = raw.length === 12 ? raw : `8${raw}`;
    const employer = await this.annuaire.person(idnat);
    if (!employer || employer.kind !== 'PS')
      throw new RppsPlusError(
        'unknown-professional',
        `Aucun professionnel de santé n’est enregistré avec le numéro RPPS ${idnat.slice(1)}. Vérifiez le numéro ou cherchez-le par son nom.`,
      );
    const practices = await this.annuaire.findProfessionals(idnat, this.today(), 1);
    const current = practices[0]?.practices ?? [];
    let practice: Situation | undefined;
    if (choice.practice) practice = current.find((s) => s.id === choice.practice);
    else if (current.length === 1) practice = current[0];
    else if (current.length > 1) invalid('Ce professionnel exerce en plusieurs lieux : choisissez celui où vous travaillez.');
    if (!practice)
      throw new RppsPlusError(
        'unknown-practice',
        `Ce lieu d’exercice n’est pas une situation d’exercice en cours de ${employer.first_name} ${employer.last_name}.`,
      );
    return { employer, practice };
  }

  /** A secretary's request (FranceConnect `sub`, or her civil status for the scripted API). */
  async submit(
    applicantKey: string,
    applicant: Applicant,
    choice: SituationChoice,
    actor: string,
    origin: 'secretary' | 'titular' = 'secretary',
  ): Promise<RppsPlusRequestRow> {
    const a = checkApplicant(applicant, this.today());
    if (choice.kind !== 'SECRETARY' && choice.kind !== 'MEDICAL_ASSISTANT')
      invalid('Choisissez la profession : secrétaire médical(e) ou assistant(e) médical(e).');
    const { employer, practice } = await this.#employer(choice);
    const earlier = await this.#requests.requestsOfApplicant(applicantKey);
    const duplicate = earlier.find(
      (r) =>
        r.employer_idnat === employer.idnat &&
        (r.status === 'pending' || (r.status === 'validated' && (r.end_date === null || r.end_date > this.today()))),
    );
    if (duplicate) throw this.#duplicate(duplicate, employer);
    try {
      const row = await this.store.transaction(async (tx) => {
        const r = await new RppsPlusRepo(tx).insertRequest({
          origin,
          applicant_sub: applicantKey,
          civility: a.civility,
          last_name: a.lastName,
          first_names: a.firstNames,
          birth_date: a.birthDate,
          email: a.email || null,
          phone: a.phone || null,
          kind: choice.kind,
          employer_idnat: employer.idnat,
          employer_situation_id: practice.id,
          practice_name: practiceName(practice),
        });
        await new RppsPlusRepo(tx).addEvent({
          requestId: r.id,
          actor,
          action: origin === 'titular' ? 'entered' : 'requested',
          detail: `${KIND_LABEL[choice.kind]} — ${practiceName(practice)}, employeur ${employer.first_name} ${employer.last_name} (${employer.idnat})`,
        });
        return r;
      });
      this.#log.info({ request: row.id, employer: employer.idnat }, 'rpps-plus: registration requested');
      return row;
    } catch (err) {
      // Two submissions at once: the database's unique index on pending requests decides.
      if (isUniqueViolation(err)) {
        const again = (await this.#requests.requestsOfApplicant(applicantKey)).find(
          (r) => r.status === 'pending' && r.employer_idnat === employer.idnat,
        );
        if (again) throw this.#duplicate(again, employer);
      }
      throw err;
    }
  }

  #duplicate(r: RppsPlusRequestRow, employer: Person): RppsPlusError {
    const who = `${employer.first_name} ${employer.last_name}`;
    return new RppsPlusError(
      'duplicate-request',
      r.status === 'pending'
        ? `Vous avez déjà une demande en attente auprès de ${who} (demande n° ${r.id}). Attendez sa décision.`
        : `Vous êtes déjà enregistrée auprès de ${who} (demande n° ${r.id}) et cette situation d’exercice est en cours.`,
    );
  }

  async request(id: number): Promise<RppsPlusRequestRow> {
    const r = Number.isSafeInteger(id) && id > 0 ? await this.#requests.request(id) : undefined;
    if (!r) throw new RppsPlusError('no-such-request', `Aucune demande n° ${id}.`);
    return r;
  }

  /** The request, if this titular is the employer it names (§7: only they decide). */
  async #titularRequest(titularIdnat: string, id: number): Promise<RppsPlusRequestRow> {
    const r = await this.request(id);
    if (r.employer_idnat !== titularIdnat)
      throw new RppsPlusError(
        'not-your-request',
        `La demande n° ${id} est adressée à un autre professionnel : seul l’employeur qu’elle désigne peut la traiter.`,
      );
    return r;
  }

  /** The requests addressed to a titular, newest first, each with its steps. */
  async titularRequests(titularIdnat: string): Promise<TitularView[]> {
    const rows = await this.#requests.requestsOfEmployer(titularIdnat);
    const events = await this.#requests.events(rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, events: events.filter((e) => e.request_id === r.id) }));
  }

  async applicantRequests(applicantKey: string): Promise<ApplicantView[]> {
    return (await this.#requests.requestsOfApplicant(applicantKey)).map((r) => this.applicantView(r));
  }

  applicantView(r: RppsPlusRequestRow): ApplicantView {
    const known = r.rpps_notice_at !== null && r.rpps_notice_at <= this.now().toISOString();
    return {
      id: r.id,
      status: r.status,
      kind: r.kind,
      employerIdnat: r.employer_idnat,
      practiceName: r.practice_name,
      createdAt: r.created_at,
      decidedAt: r.decided_at,
      refusalReason: r.refusal_reason,
      idnat: known ? r.person_idnat : null,
      rppsNoticeAt: r.rpps_notice_at,
      ecpsRequestedAt: r.ecps_requested_at,
      ecpsActiveAt: r.ecps_active_at,
      endDate: r.end_date,
    };
  }

  /**
   * Validation by the employer: an RPPS (hers already if an earlier validation gave her one), the
   * person and situation written to the Annuaire, the number made known after the delay.
   */
  async validate(titularIdnat: string, id: number): Promise<RppsPlusRequestRow> {
    const r = await this.#titularRequest(titularIdnat, id);
    if (r.status !== 'pending') throw this.#notPending(r);
    const earlier =
      r.applicant_sub === null
        ? undefined
        : (await this.#requests.requestsOfApplicant(r.applicant_sub)).find((x) => x.person_idnat !== null);
    const rpps = earlier?.person_idnat ? earlier.person_idnat.slice(1) : await allocateRpps(this.store, this.annuaire, r.id);
    const idnat = `8${rpps}`;
    const practice = await this.annuaire.situation(r.employer_situation_id);
    if (!practice || (practice.end_date !== null && practice.end_date <= this.today()))
      throw new RppsPlusError(
        'unknown-practice',
        `Le lieu d’exercice de la demande n° ${id} n’est plus une situation d’exercice en cours.`,
      );
    const now = this.now();
    const noticeAt = new Date(now.getTime() + this.delays.rppsNoticeMs).toISOString();
    const situationId = `rpps-plus-${r.id}`;
    const done = await this.store.transaction(async (tx) => {
      const changed = await new RppsPlusRepo(tx).updateRequest(r.id, 'pending', {
        status: 'validated',
        decided_at: now.toISOString(),
        decided_by: titularIdnat,
        person_idnat: idnat,
        situation_id: situationId,
        rpps_notice_at: noticeAt,
      });
      if (!changed) return false;
      await new RppsPlusRepo(tx).addEvent({ requestId: r.id, actor: titularIdnat, action: 'validated', detail: null });
      await new RppsPlusRepo(tx).addEvent({
        requestId: r.id,
        actor: 'portail',
        action: 'rpps-assigned',
        detail: `RPPS ${rpps}${earlier ? ' (déjà attribué)' : ''}, communiqué à la personne enregistrée à partir de ${noticeAt}`,
      });
      return true;
    });
    if (!done) throw this.#notPending(await this.request(r.id));
    await this.#writeToAnnuaire({ ...r, person_idnat: idnat, situation_id: situationId }, practice);
    this.#log.info({ request: r.id, idnat, employer: titularIdnat }, 'rpps-plus: registration validated');
    return this.request(r.id);
  }

  async #writeToAnnuaire(r: RppsPlusRequestRow, practice: Situation): Promise<void> {
    if (!r.person_idnat || !r.situation_id) return;
    const person: NewPerson = {
      idnat: r.person_idnat,
      kind: r.kind,
      id_type: 'RPPS',
      rpps: r.person_idnat.slice(1),
      civility: r.civility,
      last_name: r.last_name,
      first_name: r.first_names.split(' ')[0] ?? r.first_names,
      profession_code: null,
      profession_label: KIND_LABEL[r.kind],
      category_code: null,
      speciality_code: null,
      speciality_label: null,
    };
    const situation: DeclaredSituation = {
      id: r.situation_id,
      person_idnat: r.person_idnat,
      // R-DEL-5: the delegations the employer gives her rest on this situation.
      employer_idnat: r.employer_idnat,
      structure_idnat: practice.structure_idnat,
      practice_name: practice.practice_name,
      mode: 'S',
      role_label: r.kind === 'SECRETARY' ? 'Secrétaire médicale' : 'Assistant médical',
      street: practice.street,
      postal_code: practice.postal_code,
      city: practice.city,
      departement: practice.departement,
      start_date: (r.decided_at ?? this.now().toISOString()).slice(0, 10),
      end_date: r.end_date,
    };
    await this.annuaire.register(person, situation);
  }

  /**
   * Writes again to the Annuaire what validated requests put there, for any the directory does
   * not have (a validation interrupted between the portal's commit and the directory's): run at start.
   */
  async repairAnnuaire(): Promise<number> {
    let repaired = 0;
    const rows = await this.#requests.validatedRequests();
    for (const r of rows) {
      if (!r.situation_id || (await this.annuaire.situation(r.situation_id))) continue;
      const practice = await this.annuaire.situation(r.employer_situation_id);
      if (!practice) continue;
      await this.#writeToAnnuaire(r, practice);
      repaired++;
    }
    if (repaired) this.#log.warn({ repaired }, 'rpps-plus: validated registrations written again to the Annuaire');
    return repaired;
  }

  #notPending(r: RppsPlusRequestRow): RppsPlusError {
    const what = r.status === 'validated' ? 'a déjà été validée' : r.status === 'refused' ? 'a déjà été refusée' : 'n’est plus en attente';
    return new RppsPlusError('not-pending', `La demande n° ${r.id} ${what}.`);
  }

  async refuse(titularIdnat: string, id: number, reason: string): Promise<RppsPlusRequestRow> {
    const r = await this.#titularRequest(titularIdnat, id);
    if (r.status !== 'pending') throw this.#notPending(r);
    const why = (reason ?? '').trim().slice(0, 500) || null;
    const done = await this.store.transaction(async (tx) => {
      const changed = await new RppsPlusRepo(tx).updateRequest(r.id, 'pending', {
        status: 'refused',
        decided_at: this.now().toISOString(),
        decided_by: titularIdnat,
        refusal_reason: why,
      });
      if (changed) await new RppsPlusRepo(tx).addEvent({ requestId: r.id, actor: titularIdnat, action: 'refused', detail: why });
      return changed;
    });
    if (!done) throw this.#notPending(await this.request(r.id));
    return this.request(r.id);
  }

  /** The titular enters a secretary directly: a request of their own, validated at once. */
  async enter(titularIdnat: string, applicant: Applicant, choice: Omit<SituationChoice, 'employer'>): Promise<RppsPlusRequestRow> {
    const a = checkApplicant(applicant, this.today());
    const key = identityKey(a);
    const r = await this.submit(key, a, { ...choice, employer: titularIdnat }, titularIdnat, 'titular').catch((err: unknown) => {
      if (err instanceof RppsPlusError && err.code === 'duplicate-request')
        throw new RppsPlusError('duplicate-request', `${a.firstNames} ${a.lastName} est déjà enregistrée ou en attente dans ce cabinet.`);
      throw err;
    });
    return this.validate(titularIdnat, r.id);
  }

  /** Sets the end date of the situation a validated request created (`undefined`: today, i.e. ends it now). */
  async endSituation(titularIdnat: string, id: number, endDate?: string): Promise<RppsPlusRequestRow> {
    const r = await this.#titularRequest(titularIdnat, id);
    if (r.status !== 'validated' || !r.situation_id)
      throw new RppsPlusError('not-validated', `La demande n° ${id} n’a pas été validée : aucune situation d’exercice à clore.`);
    const today = this.today();
    const date = (endDate ?? '').trim() || today;
    if (!validDate(date)) invalid('La date de fin doit être au format AAAA-MM-JJ.');
    if (date < today)
      throw new RppsPlusError('end-date-in-past', `La date de fin (${date}) est passée : choisissez aujourd’hui ou une date future.`);
    if (r.end_date !== null && r.end_date <= today)
      throw new RppsPlusError('situation-ended', `Cette situation d’exercice a pris fin le ${r.end_date}.`);
    await this.annuaire.endSituation(r.situation_id, date);
    await this.store.transaction(async (tx) => {
      await new RppsPlusRepo(tx).updateRequest(r.id, 'validated', { end_date: date });
      await new RppsPlusRepo(tx).addEvent({
        requestId: r.id,
        actor: titularIdnat,
        action: date === today ? 'ended' : 'end-date-set',
        detail: `fin le ${date}`,
      });
    });
    this.#log.info({ request: r.id, situation: r.situation_id, endDate: date }, 'rpps-plus: situation end date set');
    return this.request(r.id);
  }

  /** The registered person asks for her e-CPS: Pro Santé Connect knows her after the activation delay. */
  async activateEcps(applicantKey: string, id: number, actor: string): Promise<RppsPlusRequestRow> {
    const r = await this.request(id);
    if (r.applicant_sub !== applicantKey) throw new RppsPlusError('no-such-request', `Aucune demande n° ${id}.`);
    const view = this.applicantView(r);
    if (r.status !== 'validated') throw new RppsPlusError('not-validated', `La demande n° ${id} n’a pas été validée.`);
    if (!view.idnat)
      throw new RppsPlusError('rpps-not-yet-known', 'Votre numéro RPPS ne vous a pas encore été communiqué : réessayez plus tard.');
    if (r.ecps_requested_at) return r;
    const now = this.now();
    const activeAt = new Date(now.getTime() + this.delays.ecpsActivationMs).toISOString();
    await this.store.transaction(async (tx) => {
      await new RppsPlusRepo(tx).updateRequest(r.id, 'validated', { ecps_requested_at: now.toISOString(), ecps_active_at: activeAt });
      await new RppsPlusRepo(tx).addEvent({
        requestId: r.id,
        actor,
        action: 'ecps-requested',
        detail: `e-CPS active à partir de ${activeAt}`,
      });
    });
    return this.request(r.id);
  }

  /** Whether this person's e-CPS is active (Pro Santé Connect may log her in). */
  async ecpsActive(idnat: string): Promise<boolean> {
    const at = this.now().toISOString();
    return (await this.#requests.requestsOfPerson(idnat)).some((r) => r.ecps_active_at !== null && r.ecps_active_at <= at);
  }
}

export function practiceName(s: Situation): string {
  return s.practice_name ?? `${s.street}, ${s.postal_code} ${s.city}`;
}
