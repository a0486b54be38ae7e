import type { Situation } from '@mss/store';
import type { RepoContext } from '@mss/store/engine';
import type { AnnuaireDatabase } from './schema.ts';

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

/** The mailboxes the directory publishes, and the situations RPPS+ writes: the Annuaire's own reads and writes. */
export class PublicationRepo {
  private readonly ctx: RepoContext<AnnuaireDatabase>;
  constructor(ctx: RepoContext<AnnuaireDatabase>) {
    this.ctx = ctx;
  }

  /**
   * Mailboxes the directory publishes (R-ANN-2, R-BAL-3): active, not on liste rouge, with what
   * is shown beside them — the person (PER, CAB owner) or the structure (ORG, APP), and the
   * situation d'exercice when the mailbox is attached to one. Never delegates or cotitulaires.
   */
  async publishedMailboxes(page: { afterId?: number; limit?: number; owners?: readonly string[] } = {}): Promise<PublishedMailbox[]> {
    let q = this.ctx.db
      .selectFrom('mailboxes as m')
      .leftJoin('persons as p', 'p.idnat', 'm.owner_idnat')
      .leftJoin('situations as s', 's.id', 'm.situation_id')
      .leftJoin('structures as st', (j) =>
        j.on((eb) => eb.or([eb('st.idnat', '=', eb.ref('m.owner_idnat')), eb('st.idnat', '=', eb.ref('s.structure_idnat'))])),
      )
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
    if (page.owners !== undefined) {
      if (page.owners.length === 0) return [];
      q = q.where('m.owner_idnat', 'in', [...page.owners]);
    }
    return q
      .orderBy('m.id')
      .limit(page.limit ?? 1000)
      .execute() as Promise<PublishedMailbox[]>;
  }

  /** Situations whose employer is this professional (RPPS+: secretaries and assistants), in start order. */
  async situationsEmployedBy(employerIdnat: string): Promise<Situation[]> {
    return this.ctx.db
      .selectFrom('situations')
      .selectAll()
      .where('employer_idnat', '=', employerIdnat)
      .orderBy('start_date')
      .orderBy('id')
      .execute();
  }

  /** Ends a situation d'exercice (RPPS+): returns false when there is no such situation. */
  async endSituation(id: string, endDate: string): Promise<boolean> {
    const r = await this.ctx.db.updateTable('situations').set({ end_date: endDate }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
