import type { NewPerson, NewSituation, Person, Situation, Store } from '@mss/store';
import { AnnuaireRepos } from '../store/index.ts';

export type RegistryErrorKind = 'unknown-person' | 'unknown-situation' | 'bad-date' | 'end-date-in-past' | 'already-ended';

/** A refusal of the registry, in words a portal can show; `kind` is stable. */
export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  constructor(kind: RegistryErrorKind, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.kind = kind;
  }
}

/** A person as RPPS+ registers it (the Annuaire's `persons` row without its timestamps). */
export type RegisteredPerson = NewPerson;

/** A situation d'exercice; `employer_idnat` names the professional who employs a secretary or an assistant (RPPS+). */
export type DeclaredSituation = Omit<NewSituation, 'employer_idnat'> & { employer_idnat?: string | null };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * The writes RPPS+ (the Enreg portal, §7) makes to the Annuaire: persons, situations d'exercice and
 * their end. Everything written here is recorded in the Annuaire's change feed by the store's
 * triggers (its migration 0004-change-feed), so operators following the feed learn it in order; the registry
 * itself only validates and writes. A situation ends on its end date: `end_date` is the first day
 * it is no longer in force, so ending it "now" sets today's date (UTC) and it is ended at once.
 */
export class AnnuaireRegistry {
  private readonly store: Store;
  private readonly repos: AnnuaireRepos;
  constructor(store: Store) {
    this.store = store;
    this.repos = new AnnuaireRepos(store);
  }

  private today(): string {
    return this.store.now().toISOString().slice(0, 10);
  }

  /** Creates or updates a person (by IdNat). */
  async upsertPerson(person: RegisteredPerson): Promise<Person> {
    await this.store.directory.upsertPersons([person]);
    return (await this.store.directory.person(person.idnat)) as Person;
  }

  /** Creates or updates a situation d'exercice (by id); its person must exist. */
  async upsertSituation(situation: DeclaredSituation): Promise<Situation> {
    if (!(await this.store.directory.person(situation.person_idnat)))
      throw new RegistryError('unknown-person', `no person ${situation.person_idnat} in the Annuaire`);
    if (situation.employer_idnat && !(await this.store.directory.person(situation.employer_idnat)))
      throw new RegistryError('unknown-person', `no professional ${situation.employer_idnat} in the Annuaire`);
    await this.store.directory.upsertSituations([{ ...situation, employer_idnat: situation.employer_idnat ?? null }]);
    return (await this.store.directory.situation(situation.id)) as Situation;
  }

  async situation(id: string): Promise<Situation | undefined> {
    return this.store.directory.situation(id);
  }

  /** The situations a professional employs (RPPS+ titular's view), ended ones too. */
  async situationsEmployedBy(employerIdnat: string): Promise<Situation[]> {
    return this.repos.publication.situationsEmployedBy(employerIdnat);
  }

  /**
   * Sets the end date of a situation (YYYY-MM-DD): today ends it now, a later day ends it then.
   * A date before today is refused (`end-date-in-past`), as is changing an ended situation.
   */
  async setSituationEndDate(id: string, endDate: string): Promise<Situation> {
    if (!isCalendarDate(endDate)) throw new RegistryError('bad-date', `end date "${endDate}" is not a date (YYYY-MM-DD)`);
    const today = this.today();
    if (endDate < today) throw new RegistryError('end-date-in-past', `end date ${endDate} is in the past (today is ${today})`);
    const current = await this.store.directory.situation(id);
    if (!current) throw new RegistryError('unknown-situation', `no situation d'exercice ${id} in the Annuaire`);
    if (current.end_date !== null && current.end_date <= today)
      throw new RegistryError('already-ended', `situation ${id} ended on ${current.end_date}`);
    await this.repos.publication.endSituation(id, endDate);
    return (await this.store.directory.situation(id)) as Situation;
  }

  /** Ends a situation now (its end date becomes today). */
  async endSituationNow(id: string): Promise<Situation> {
    return this.setSituationEndDate(id, this.today());
  }
}
