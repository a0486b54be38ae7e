import { sql } from 'kysely';
import type { NewPerson, NewSituation, NewStructure, Person, Situation, Structure } from '../schema.ts';
import { chunkRows, isoNow, type RepoContext } from './executor.ts';

export interface PublishedMailbox {
  id: number;
  address: string;
  type: 'PER' | 'ORG' | 'APP' | 'CAB';
  owner_idnat: string;
  description: string | null;
  service: string | null;
  digitization: number;
  civility: string | null;
  last_name: string | null;
  first_name: string | null;
  rpps: string | null;
  profession_code: string | null;
  profession_label: string | null;
  category_code: string | null;
  speciality_code: string | null;
  speciality_label: string | null;
  practice_name: string | null;
  situation_street: string | null;
  situation_postal_code: string | null;
  situation_city: string | null;
  situation_departement: string | null;
  structure_idnat: string | null;
  structure_name: string | null;
  structure_street: string | null;
  structure_postal_code: string | null;
  structure_city: string | null;
  structure_departement: string | null;
}

function likePrefix(text: string): string {
  return `${text.replace(/[%_!]/g, '!$&')}%`;
}

/** Persons, structures and situations d'exercice: the directory as the operator knows it. */
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
    for (const chunk of chunkRows(situations, 12)) {
      await this.ctx.db
        .insertInto('situations')
        .values(chunk)
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

  /** Ends a situation d'exercice (RPPS+): returns false when there is no such situation. */
  async endSituation(id: string, endDate: string): Promise<boolean> {
    const r = await this.ctx.db.updateTable('situations').set({ end_date: endDate }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
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

  /**
   * Mailboxes the directory publishes (R-ANN-2, R-BAL-3): active, not on liste rouge, with what
   * is shown beside them — the person (PER, CAB owner) or the structure (ORG, APP), and the
   * situation d'exercice when the mailbox is attached to one. Never delegates or cotitulaires.
   */
  async publishedMailboxes(page: { afterId?: number; limit?: number } = {}): Promise<PublishedMailbox[]> {
    let q = this.ctx.db
      .selectFrom('mailboxes as m')
      .leftJoin('persons as p', 'p.idnat', 'm.owner_idnat')
      .leftJoin('situations as s', 's.id', 'm.situation_id')
      .leftJoin('structures as st', (j) => j.on((eb) => eb.or([eb('st.idnat', '=', eb.ref('m.owner_idnat')), eb('st.idnat', '=', eb.ref('s.structure_idnat'))])))
      .select([
        'm.id',
        'm.address',
        'm.type',
        'm.owner_idnat',
        'm.description',
        'm.service',
        'm.digitization',
        'p.civility',
        'p.last_name',
        'p.first_name',
        'p.rpps',
        'p.profession_code',
        'p.profession_label',
        'p.category_code',
        'p.speciality_code',
        'p.speciality_label',
        's.practice_name',
        's.street as situation_street',
        's.postal_code as situation_postal_code',
        's.city as situation_city',
        's.departement as situation_departement',
        'st.idnat as structure_idnat',
        'st.name as structure_name',
        'st.street as structure_street',
        'st.postal_code as structure_postal_code',
        'st.city as structure_city',
        'st.departement as structure_departement',
      ])
      .where('m.status', '=', 'active')
      .where('m.liste_rouge', '=', 0)
      .where('m.released_at', 'is', null);
    if (page.afterId !== undefined) q = q.where('m.id', '>', page.afterId);
    return q.orderBy('m.id').limit(page.limit ?? 1000).execute() as Promise<PublishedMailbox[]>;
  }

  async counts(): Promise<{ persons: number; structures: number; situations: number }> {
    const one = async (table: 'persons' | 'structures' | 'situations') =>
      Number((await this.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { persons: await one('persons'), structures: await one('structures'), situations: await one('situations') };
  }
}
