// The portal's one way into the Annuaire Santé's data (the national directory it is a source of,
// domain reference §7): who the professionals are and where they practise, and the persons and
// situations d'exercice a validation writes or an end date closes. Writes go through the Annuaire
// stand-in's registry (`AnnuaireRegistry`), so that they enter its change feed in order and the
// operators following it learn them (R-ENR-1).

import { AnnuaireRegistry, AnnuaireRepos, RegistryError, type DeclaredSituation } from '@mss/annuaire';
import type { NewPerson, Person, Situation, Store, Structure } from '@mss/store';
import { RppsPlusError } from './errors.ts';

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
  /** Writes a registered secretary and her situation (the person first: a situation needs her). */
  register(person: NewPerson, situation: DeclaredSituation): Promise<void>;
  /** Sets a situation's end date (YYYY-MM-DD, today or later); refusals as RppsPlusError. */
  endSituation(situationId: string, endDate: string): Promise<void>;
}

const REGISTRY_REFUSAL = {
  'unknown-person': 'not-validated',
  'unknown-situation': 'not-validated',
  'bad-date': 'invalid-input',
  'end-date-in-past': 'end-date-in-past',
  'already-ended': 'situation-ended',
} as const;

/** Over the Annuaire stand-in's store; `onChange` tells its servers (LDAP snapshot) that the data moved. */
export function storeAnnuaire(store: Store, onChange?: () => void): AnnuaireLink {
  const registry = new AnnuaireRegistry(store);
  const search = new AnnuaireRepos(store).search;
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
        persons = await search.searchPractitioners({ family: [[{ mode: 'prefix', value: q }]] }, { limit: limit * 3 });
      } else {
        persons = [];
      }
      const out: Professional[] = [];
      for (const p of persons) {
        if (p.kind !== 'PS') continue;
        out.push({ person: p, practices: await store.directory.situationsOf(p.idnat, today) });
        if (out.length >= limit) break;
      }
      return out;
    },
    async register(person, situation) {
      await registry.upsertPerson(person);
      await registry.upsertSituation(situation);
      onChange?.();
    },
    async endSituation(situationId, endDate) {
      try {
        await registry.setSituationEndDate(situationId, endDate);
      } catch (err) {
        if (err instanceof RegistryError) throw new RppsPlusError(REGISTRY_REFUSAL[err.kind], err.message);
        throw err;
      }
      onChange?.();
    },
  };
}
