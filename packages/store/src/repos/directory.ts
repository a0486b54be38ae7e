import { sql } from 'kysely';
import type { NewPerson, NewSituation, NewStructure, Person, Situation, Structure } from '../schema.ts';
import { chunkRows, isoNow, type RepoContext } from './executor.ts';

function likePrefix(text: string): string {
  return `${text.replace(/[%_!]/g, '!$&')}%`;
}

/**
 * Persons, structures and situations d'exercice: the directory as the operator knows it (its own
 * copy, kept by @mss/directory-sync from the Annuaire's change feed, read by governance). The
 * Annuaire stand-in's national directory — its FHIR searches, published mailboxes, change feed —
 * is the stand-in's own code (stand-ins/annuaire/src/store/), over the same tables of its database.
 */
export class DirectoryRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  /** Inserts or refreshes persons by IdNat (the directory feed and the seed both replay safely). */
  async upsertPersons(persons: readonly NewPerson[]): Promise<void> {
    if (persons.length === 0) return;
    const at = isoNow(this.ctx);
    for (const chunk of chunkRows(persons, 14)) {
      await this.ctx.db
        .insertInto('persons')
        .values(chunk.map((p) => ({ ...p, created_at: at, updated_at: at })))
        .onConflict((oc) =>
          oc.column('idnat').doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            id_type: eb.ref('excluded.id_type'),
            rpps: eb.ref('excluded.rpps'),
            civility: eb.ref('excluded.civility'),
            last_name: eb.ref('excluded.last_name'),
            first_name: eb.ref('excluded.first_name'),
            profession_code: eb.ref('excluded.profession_code'),
            profession_label: eb.ref('excluded.profession_label'),
            category_code: eb.ref('excluded.category_code'),
            speciality_code: eb.ref('excluded.speciality_code'),
            speciality_label: eb.ref('excluded.speciality_label'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async upsertStructures(structures: readonly NewStructure[]): Promise<void> {
    if (structures.length === 0) return;
    const at = isoNow(this.ctx);
    for (const chunk of chunkRows(structures, 12)) {
      await this.ctx.db
        .insertInto('structures')
        .values(chunk.map((s) => ({ ...s, created_at: at, updated_at: at })))
        .onConflict((oc) =>
          oc.column('idnat').doUpdateSet((eb) => ({
            id_type: eb.ref('excluded.id_type'),
            finess: eb.ref('excluded.finess'),
            siret: eb.ref('excluded.siret'),
            name: eb.ref('excluded.name'),
            sector_code: eb.ref('excluded.sector_code'),
            street: eb.ref('excluded.street'),
            postal_code: eb.ref('excluded.postal_code'),
            city: eb.ref('excluded.city'),
            departement: eb.ref('excluded.departement'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async upsertSituations(situations: readonly NewSituation[]): Promise<void> {
    if (situations.length === 0) return;
    for (const chunk of chunkRows(situations, 13)) {
      await this.ctx.db
        .insertInto('situations')
        .values(chunk.map((s) => ({ ...s, employer_idnat: s.employer_idnat ?? null })))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            structure_idnat: eb.ref('excluded.structure_idnat'),
            practice_name: eb.ref('excluded.practice_name'),
            mode: eb.ref('excluded.mode'),
            role_label: eb.ref('excluded.role_label'),
            street: eb.ref('excluded.street'),
            postal_code: eb.ref('excluded.postal_code'),
            city: eb.ref('excluded.city'),
            departement: eb.ref('excluded.departement'),
            start_date: eb.ref('excluded.start_date'),
            end_date: eb.ref('excluded.end_date'),
            employer_idnat: eb.ref('excluded.employer_idnat'),
          })),
        )
        .execute();
    }
  }

  async person(idnat: string): Promise<Person | undefined> {
    return this.ctx.db.selectFrom('persons').selectAll().where('idnat', '=', idnat).executeTakeFirst();
  }

  async structure(idnat: string): Promise<Structure | undefined> {
    return this.ctx.db.selectFrom('structures').selectAll().where('idnat', '=', idnat).executeTakeFirst();
  }

  async situation(id: string): Promise<Situation | undefined> {
    return this.ctx.db.selectFrom('situations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A person's situations d'exercice; `activeOn` (YYYY-MM-DD) keeps those not ended by then. */
  async situationsOf(idnat: string, activeOn?: string): Promise<Situation[]> {
    let q = this.ctx.db.selectFrom('situations').selectAll().where('person_idnat', '=', idnat);
    if (activeOn) q = q.where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>', activeOn)]));
    return q.orderBy('start_date').orderBy('id').execute();
  }

  /** Persons by IdNat, patients excluded (a page of the Annuaire's feed, applied by directory-sync). */
  async persons(idnats: readonly string[]): Promise<Person[]> {
    if (idnats.length === 0) return [];
    return this.ctx.db
      .selectFrom('persons')
      .selectAll()
      .where('idnat', 'in', [...idnats])
      .where('kind', '<>', 'PATIENT')
      .execute();
  }

  /** Structures by IdNat. */
  async structures(idnats: readonly string[]): Promise<Structure[]> {
    if (idnats.length === 0) return [];
    return this.ctx.db
      .selectFrom('structures')
      .selectAll()
      .where('idnat', 'in', [...idnats])
      .execute();
  }

  /** Situations by id, ended ones too (a page of the Annuaire's feed). */
  async situationsById(ids: readonly string[]): Promise<Situation[]> {
    if (ids.length === 0) return [];
    return this.ctx.db
      .selectFrom('situations')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  }

  /**
   * Delegates with a delegation in force and an RPPS+ situation (with an employer) ended by `today`
   * (YYYY-MM-DD): those whose delegations may have lost the situation that supported them (R-DEL-5).
   */
  async delegatesWithEndedEmployment(today: string): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('situations as s')
      .innerJoin('delegations as d', 'd.delegate_idnat', 's.person_idnat')
      .select('s.person_idnat')
      .distinct()
      .where('d.revoked_at', 'is', null)
      .where('s.employer_idnat', 'is not', null)
      .where('s.end_date', 'is not', null)
      .where('s.end_date', '<=', today)
      .orderBy('s.person_idnat')
      .execute();
    return rows.map((r) => r.person_idnat);
  }

  /** Prefix search on the family name, case-insensitive for ASCII letters (SQLite lower()), for CLI and tests. */
  async searchPersons(lastNamePrefix: string, limit = 20): Promise<Person[]> {
    return this.ctx.db
      .selectFrom('persons')
      .selectAll()
      .where(sql<boolean>`lower(last_name) like ${likePrefix(lastNamePrefix.toLowerCase())} escape '!'`)
      .orderBy('last_name')
      .orderBy('first_name')
      .limit(limit)
      .execute();
  }

  /** Professionals and secretaries (IdNat 8+RPPS) whose RPPS sorts below `rppsBelow`, by name. */
  async personsWithRppsBelow(rppsBelow: string, limit = 50): Promise<Person[]> {
    return this.ctx.db
      .selectFrom('persons')
      .selectAll()
      .where('idnat', 'like', '8%')
      .where('rpps', '<', rppsBelow)
      .where('kind', '!=', 'PATIENT')
      .orderBy('last_name')
      .orderBy('first_name')
      .limit(limit)
      .execute();
  }

  async counts(): Promise<{ persons: number; structures: number; situations: number }> {
    const one = async (table: 'persons' | 'structures' | 'situations') =>
      Number(
        (
          await this.ctx.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { persons: await one('persons'), structures: await one('structures'), situations: await one('situations') };
  }
}
