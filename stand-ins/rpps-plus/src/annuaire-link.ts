// The portal's one way into the Annuaire Santé's data (the national directory it is a source of,
// domain reference §7): who the professionals are and where they practise, and the persons and
// situations d'exercice a validation writes or an end date closes. Every read and write of the
// directory goes through this module, so that switching to the Annuaire stand-in's own write
// functions (its change feed) touches nothing else.

import type { NewPerson, NewSituation, Person, Situation, Store, Structure } from '@mss/store';

export interface Professional {
  person: Person;
  /** Situations d'exercice not ended today: the practices a secretary may be attached to. */
  practices: Situation[];
}

export interface AnnuaireLink {
  person(idnat: string): Promise<Person | undefined>;
  situation(id: string): Promise<Situation | undefined>;
  situationsOf(idnat: string, activeOn?: string): Promise<Situation[]>;
  structure(idnat: string): Promise<Structure | undefined>;
  /** Professionals (kind PS) by RPPS / IdNat, or by family name prefix (accents and case ignored). */
  findProfessionals(query: string, today: string, limit?: number): Promise<Professional[]>;
  /** Writes a registered secretary and her situation, in one transaction. */
  register(person: NewPerson, situation: NewSituation): Promise<void>;
  /** Sets a situation's end date (YYYY-MM-DD); false when the directory has no such situation. */
  endSituation(situationId: string, endDate: string): Promise<boolean>;
}

/** Over the Annuaire stand-in's store; `onChange` tells its servers (LDAP snapshot) that the data moved. */
export function storeAnnuaire(store: Store, onChange?: () => void): AnnuaireLink {
  const professional = async (p: Person, today: string): Promise<Professional> => ({
    person: p,
    practices: await store.directory.situationsOf(p.idnat, today),
  });
  return {
    person: (idnat) => store.directory.person(idnat),
    situation: (id) => store.directory.situation(id),
    situationsOf: (idnat, activeOn) => store.directory.situationsOf(idnat, activeOn),
    structure: (idnat) => store.directory.structure(idnat),
    async findProfessionals(query, today, limit = 20) {
      const q = query.trim();
      const digits = q.replace(/\s/g, '');
      let persons: Person[];
      if (/^8?\d{11}$/.test(digits)) {
        const p = await store.directory.person(digits.length === 12 ? digits : `8${digits}`);
        persons = p ? [p] : [];
      } else if (q.length >= 2) {
        persons = await store.directory.read.searchPractitioners({ family: [[{ mode: 'prefix', value: q }]] }, { limit: limit * 3 });
      } else {
        persons = [];
      }
      const out: Professional[] = [];
      for (const p of persons) {
        if (p.kind !== 'PS') continue;
        out.push(await professional(p, today));
        if (out.length >= limit) break;
      }
      return out;
    },
    async register(person, situation) {
      await store.transaction(async (tx) => {
        await tx.directory.upsertPersons([person]);
        await tx.directory.upsertSituations([situation]);
      });
      onChange?.();
    },
    async endSituation(situationId, endDate) {
      const done = await store.directory.endSituation(situationId, endDate);
      if (done) onChange?.();
      return done;
    },
  };
}
