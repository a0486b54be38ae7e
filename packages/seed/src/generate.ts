// The synthetic Annuaire Santé: a stream of batches of persons, structures, situations
// d'exercice, mailboxes, holders and delegations, reproducible from a seed.
//
// Shape of the stream. Records are produced by "units" — one liberal practice with its members
// (and maybe a CAB mailbox and secretaries), or one salaried professional — and cut into
// batches by professional count. All randomness is drawn inside units, never at a batch
// boundary, so the concatenation of the batches does not depend on `batchSize`. Every
// reference in a batch points to a record of the same batch or of an earlier one, so the
// loader can insert batch after batch, table by table (persons, structures, situations,
// mailboxes, holders, delegations), without deferring constraints.
//
// Memory stays flat: a batch's arrays are handed over and replaced; what lives across batches
// is the set of taken local parts (needed for uniqueness) and a dozen recent structures per kind.

import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES } from './data/names.ts';
import { CITIES, PLACE_NAMES, STREET_NAMES, STREET_TYPES } from './data/places.ts';
import {
  HOSPITAL_NAMES,
  INFIRMIER_CODE,
  MEDECIN_CODE,
  MEDICAL_ASSISTANT_LABEL,
  PROFESSIONS,
  SECRETARY_LABEL,
  STRUCTURE_KINDS,
  type Profession,
  type Speciality,
  type StructureKind,
  type StructureKindKey,
} from './data/professions.ts';
import { drawBirthPlace } from './birth-place.ts';
import { finessFor, insFromNir, pad, rppsFromSequence, siretFor } from './ids.ts';
import { demoPersonas, PERSONA_PATIENT_INS } from './personas.ts';
import { createRng, type Rng, WeightedTable } from './prng.ts';
import { clip, ofCity, slugify } from './text.ts';
import type { SeedBatch, SeedDelegation, SeedHolder, SeedMailbox, SeedOptions, SeedPerson, SeedSituation, SeedStructure } from './types.ts';

// ---- Tunable shares (documented in the README) ------------------------------------------

/** First generated RPPS sequence; the demo personas live below it. */
export const FIRST_GENERATED_RPPS_SEQUENCE = 1000100000;
const STRUCTURE_EVERY = 20;
const PER_SHARE = 0.85;
const PER_ON_SITUATION_SHARE = 0.65;
const LISTE_ROUGE_SHARE = 0.03;
const EXTRA_SITUATIONS_SHARE = 0.15;
const EXTRA_SITUATION_ENDED_SHARE = 0.15;
const NURSE_CAB_SHARE = 0.35;
const GP_GROUP_CAB_SHARE = 0.3;
const SECRETARY_SHARE: Readonly<Record<string, number>> = { '10': 0.28, '40': 0.22, '70': 0.1 };
const DELEGATION_SHARE = 0.6;
const DELEGATION_END_DATES = ['2026-06-30', '2026-12-31', '2027-03-31', '2027-06-30'];
const PATIENTS_PER_PROFESSIONALS = 500;
const MIN_PATIENTS = 10;
/** Recent structures of one kind that a salaried professional may be attached to. */
const RECENT_STRUCTURES = 12;
/** Local parts are cut to this length so that a numeric suffix still fits in 64 (RFC 5321). */
const LOCAL_BASE_MAX = 60;

// ---- Tables computed once per process -------------------------------------------------

/** Zipf-like weights: the first names of each list are the most common, as in real registers. */
function zipfTable(items: readonly string[]): WeightedTable<number> {
  return new WeightedTable(
    items.map((_, i) => i),
    (i) => 1 / (1 + i / 25),
  );
}

const LAST_TABLE = zipfTable(LAST_NAMES);
const FEMALE_TABLE = zipfTable(FEMALE_FIRST_NAMES);
const MALE_TABLE = zipfTable(MALE_FIRST_NAMES);
const LAST_SLUG = LAST_NAMES.map(slugify);
const FEMALE_SLUG = FEMALE_FIRST_NAMES.map(slugify);
const MALE_SLUG = MALE_FIRST_NAMES.map(slugify);

const CITY_TABLE = new WeightedTable(
  CITIES.map((_, i) => i),
  (i) => (CITIES[i] as (typeof CITIES)[number]).weight,
);
const CITY_SLUG = CITIES.map((c) => slugify(c.name));
const CITY_OF = CITIES.map((c) => ofCity(c.name));
const PLACE_SLUG = PLACE_NAMES.map(slugify);
/** "des Tilleuls" → "Les Tilleuls", for names such as "EHPAD Les Tilleuls". */
const PLACE_AS_NAME = PLACE_NAMES.map((p) =>
  p.startsWith('des ')
    ? `Les ${p.slice(4)}`
    : p.startsWith('du ')
      ? `Le ${p.slice(3)}`
      : p.startsWith('de la ')
        ? `La ${p.slice(6)}`
        : p.startsWith('de l’')
          ? `L’${p.slice(5)}`
          : p,
);

/**
 * Structures named "<title> <place>" with the slug "<slug>-<place>-<city>"; `articled`: the
 * place is a name of its own ("EHPAD Les Tilleuls"), not a complement ("Pharmacie des Tilleuls").
 */
const NAMED_AFTER_PLACE: Record<Exclude<StructureKindKey, 'CH'>, { title: string; slug: string; articled?: true }> = {
  CLINIQUE: { title: 'Clinique', slug: 'clinique' },
  CENTRE_SANTE: { title: 'Centre de santé', slug: 'cds' },
  EHPAD: { title: 'EHPAD', slug: 'ehpad', articled: true },
  LABO: { title: 'Laboratoire de biologie médicale', slug: 'labm' },
  PHARMACIE: { title: 'Pharmacie', slug: 'pharmacie' },
  IMAGERIE: { title: 'Centre d’imagerie médicale', slug: 'imagerie' },
  OPTIQUE: { title: 'Optique', slug: 'optique', articled: true },
  AUDITION: { title: 'Centre auditif', slug: 'audition' },
};

const PROFESSION_TABLE = new WeightedTable(PROFESSIONS, (p) => p.weight);
const SPECIALITY_TABLES = new Map<Profession, WeightedTable<Speciality>>();
const GROUP_TABLES = new Map<Profession, WeightedTable<number>>();
/** "Cabinet infirmier" → "infirmier": the CAB local part is `cabinet.` + this + place + city. */
const PRACTICE_SLUG = new Map<Profession, string>();
for (const p of PROFESSIONS) {
  if (p.specialities.length > 0) SPECIALITY_TABLES.set(p, new WeightedTable(p.specialities, (s) => s.weight));
  GROUP_TABLES.set(
    p,
    new WeightedTable(
      p.groupSizes.map((_, i) => i + 1),
      (size) => p.groupSizes[size - 1] as number,
    ),
  );
  PRACTICE_SLUG.set(p, slugify(p.practicePrefix).replace(/^cabinet-/, ''));
}
const HOSPITAL_SLUG = HOSPITAL_NAMES.map(slugify);
const SERVICE_SLUG = new Map<string, string>();
for (const kind of Object.values(STRUCTURE_KINDS)) for (const s of kind.services) SERVICE_SLUG.set(s, slugify(s));

const PAD2 = Array.from({ length: 100 }, (_, i) => pad(i, 2));

const DOMAIN_RE = /^(?=.{1,190}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

// ---- The generator --------------------------------------------------------------------

interface NewPerson {
  person: SeedPerson;
  /** `prenom.nom`, folded; the PER local part before de-duplication. */
  localBase: string;
}

interface PersonCtx {
  person: SeedPerson;
  per: string | null;
  primary: SeedSituation;
}

interface StructureRef {
  record: SeedStructure;
  kind: StructureKind;
  slug: string;
  /** null until the first professional is attached (then the mailboxes get a responsible person). */
  mailboxes: string[] | null;
  firstResponsible: string | null;
  wantsSecondResponsible: boolean;
}

interface Place {
  street: string;
  postalCode: string;
  city: string;
  departement: string;
  cityIndex: number;
}

class DirectoryGenerator {
  readonly #rng: Rng;
  readonly #domainSuffix: string;
  #rppsSequence = FIRST_GENERATED_RPPS_SEQUENCE;
  #sirenCounter: number;
  readonly #finessCounters = new Map<string, number>();
  readonly #usedLocals = new Set<string>();
  readonly #nextSuffix = new Map<string, number>();
  readonly #usedSlugs = new Set<string>();
  readonly #usedNirs = new Set<string>();
  readonly #recentByKind = new Map<StructureKindKey, StructureRef[]>();
  readonly #countByKind = new Map<StructureKindKey, number>();
  readonly #hospitalCities = new Set<number>();
  done = 0;

  persons: SeedPerson[] = [];
  structures: SeedStructure[] = [];
  situations: SeedSituation[] = [];
  mailboxes: SeedMailbox[] = [];
  holders: SeedHolder[] = [];
  delegations: SeedDelegation[] = [];

  constructor(seed: number, operatorDomain: string) {
    this.#rng = createRng(seed);
    this.#domainSuffix = `@${operatorDomain}`;
    this.#sirenCounter = 30000000 + this.#rng.int(20000000);
    // The personas are loaded next to the generated directory: never hand out their names.
    const { batch } = demoPersonas(operatorDomain);
    for (const m of batch.mailboxes) {
      const local = m.address.slice(0, m.address.indexOf('@'));
      this.#usedLocals.add(local);
      // "cardiologie.ch-lilas": the part after the dot names the structure.
      if (m.type === 'ORG' || m.type === 'APP') this.#usedSlugs.add(local.slice(local.indexOf('.') + 1));
    }
    this.#usedNirs.add(PERSONA_PATIENT_INS.slice(0, 13));
  }

  flush(total: number): SeedBatch & { done: number; total: number } {
    const out = {
      persons: this.persons,
      structures: this.structures,
      situations: this.situations,
      mailboxes: this.mailboxes,
      holders: this.holders,
      delegations: this.delegations,
      done: this.done,
      total,
    };
    this.persons = [];
    this.structures = [];
    this.situations = [];
    this.mailboxes = [];
    this.holders = [];
    this.delegations = [];
    return out;
  }

  /** One liberal practice or one salaried professional; never more than `remaining` PS. */
  unit(remaining: number): void {
    const rng = this.#rng;
    const profession = PROFESSION_TABLE.pick(rng);
    const specialities = SPECIALITY_TABLES.get(profession);
    const speciality = specialities ? specialities.pick(rng) : null;
    const liberalShare = speciality?.liberalShare ?? profession.liberalShare;
    if (liberalShare > 0 && rng.chance(liberalShare)) this.#practice(profession, speciality, remaining);
    else this.#salaried(profession, speciality);
  }

  // -- units --

  #practice(profession: Profession, speciality: Speciality | null, remaining: number): void {
    const rng = this.#rng;
    const size = Math.min((GROUP_TABLES.get(profession) as WeightedTable<number>).pick(rng), remaining);
    const place = this.#place();
    const placeIndex = rng.int(PLACE_NAMES.length);
    const isDoctor = profession.code === MEDECIN_CODE;
    const members: PersonCtx[] = [];
    const people: NewPerson[] = [];
    for (let k = 0; k < size; k++) people.push(this.#newProfessional(profession, speciality));
    const practiceName =
      isDoctor && size === 1
        ? `Cabinet du Dr ${(people[0] as NewPerson).person.lastName}`
        : `${profession.practicePrefix} ${PLACE_NAMES[placeIndex] as string}`;
    const opened = 1985 + rng.int(38);
    for (let k = 0; k < size; k++) {
      const fresh = people[k] as NewPerson;
      const role = k === 0 ? 'Titulaire du cabinet' : 'Associé';
      const situation = this.#situation(fresh.person, 1, null, practiceName, 'L', role, place, this.#date(opened, 2025), null);
      members.push(this.#finishProfessional(fresh, situation, profession, speciality));
    }

    const cab =
      profession.cabEligible &&
      (profession.code === INFIRMIER_CODE
        ? rng.chance(NURSE_CAB_SHARE)
        : size >= 2 && speciality?.code === 'SM54' && rng.chance(GP_GROUP_CAB_SHARE));
    if (cab) {
      const owner = members[0] as PersonCtx;
      const base = `cabinet.${PRACTICE_SLUG.get(profession) as string}-${PLACE_SLUG[placeIndex] as string}-${CITY_SLUG[place.cityIndex] as string}`;
      const address = this.#claim(clip(base, LOCAL_BASE_MAX)) + this.#domainSuffix;
      this.mailboxes.push({
        address,
        type: 'CAB',
        ownerIdnat: owner.person.idnat,
        situationId: owner.primary.id,
        listeRouge: rng.chance(0.02),
        description: practiceName,
        service: null,
        digitization: rng.chance(0.8),
      });
      this.holders.push({ mailboxAddress: address, personIdnat: owner.person.idnat, role: 'owner' });
      for (let k = 1; k < members.length && k <= 3; k++) {
        this.holders.push({ mailboxAddress: address, personIdnat: (members[k] as PersonCtx).person.idnat, role: 'cotitulaire' });
      }
    }

    const secretaryShare = SECRETARY_SHARE[profession.code] ?? 0;
    if (profession.employsSecretaries && rng.chance(secretaryShare)) {
      const count = rng.chance(0.2) ? 2 : 1;
      for (let k = 0; k < count; k++) this.#secretary(isDoctor, practiceName, place, members);
    }
  }

  #salaried(profession: Profession, speciality: Speciality | null): void {
    const rng = this.#rng;
    const employers = speciality?.employers ?? profession.employers;
    const structure = this.#structureFor(rng.pick(employers));
    const fresh = this.#newProfessional(profession, speciality);
    const role = this.#roleIn(profession, speciality, structure.kind);
    const situation = this.#situation(fresh.person, 1, structure.record, null, 'S', role, structure.record, this.#date(1985, 2025), null);
    this.#onStaff(structure, fresh.person.idnat);
    this.#finishProfessional(fresh, situation, profession, speciality);
  }

  patient(): void {
    const rng = this.#rng;
    const female = rng.chance(0.5);
    let nir = '';
    do {
      const year = 1930 + rng.int(91);
      const place = drawBirthPlace(rng, year, () => CITIES[CITY_TABLE.pick(rng)] as (typeof CITIES)[number]);
      // Corsica was one département (20) until 1976: older NIRs say 20, not 2A/2B.
      const dept = (place.dept === '2A' || place.dept === '2B') && year < 1976 ? '20' : place.dept;
      const commune = place.commune;
      nir = (female ? '2' : '1') + PAD2[year % 100] + PAD2[1 + rng.int(12)] + dept + commune + pad(1 + rng.int(999), 3);
    } while (this.#usedNirs.has(nir));
    this.#usedNirs.add(nir);
    const firstIndex = (female ? FEMALE_TABLE : MALE_TABLE).pick(rng);
    this.persons.push({
      idnat: insFromNir(nir),
      kind: 'PATIENT',
      idType: 'INS',
      rpps: null,
      civility: female ? 'MME' : 'M',
      lastName: LAST_NAMES[LAST_TABLE.pick(rng)] as string,
      firstName: (female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES)[firstIndex] as string,
      professionCode: null,
      professionLabel: null,
      categoryCode: null,
      specialityCode: null,
      specialityLabel: null,
    });
  }

  // -- people --

  #nextRpps(): string {
    // Gaps between sequences, as in the real register where numbers are not all in use.
    this.#rppsSequence += 1 + this.#rng.int(3);
    return rppsFromSequence(this.#rppsSequence);
  }

  /** A person with a fresh RPPS, pushed to the batch. */
  #newPerson(female: boolean, kind: SeedPerson['kind']): NewPerson {
    const rng = this.#rng;
    const firstIndex = (female ? FEMALE_TABLE : MALE_TABLE).pick(rng);
    const lastIndex = LAST_TABLE.pick(rng);
    const rpps = this.#nextRpps();
    const localBase = `${(female ? FEMALE_SLUG : MALE_SLUG)[firstIndex] as string}.${LAST_SLUG[lastIndex] as string}`;
    const person: SeedPerson = {
      idnat: `8${rpps}`,
      kind,
      idType: 'RPPS',
      rpps,
      civility: female ? 'MME' : 'M',
      lastName: LAST_NAMES[lastIndex] as string,
      firstName: (female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES)[firstIndex] as string,
      professionCode: null,
      professionLabel: null,
      categoryCode: null,
      specialityCode: null,
      specialityLabel: null,
    };
    this.persons.push(person);
    return { person, localBase };
  }

  #newProfessional(profession: Profession, speciality: Speciality | null): NewPerson {
    const fresh = this.#newPerson(this.#rng.chance(profession.femaleShare), 'PS');
    const { person } = fresh;
    person.professionCode = profession.code;
    person.professionLabel = profession.label;
    person.categoryCode = 'C';
    person.specialityCode = speciality ? speciality.code : null;
    person.specialityLabel = speciality ? speciality.label : null;
    return fresh;
  }

  /** PER mailbox and extra situations of a professional whose primary situation exists. */
  #finishProfessional(fresh: NewPerson, primary: SeedSituation, profession: Profession, speciality: Speciality | null): PersonCtx {
    const rng = this.#rng;
    const { person } = fresh;
    this.done++;
    let per: string | null = null;
    if (rng.chance(PER_SHARE)) {
      per = this.#claim(clip(fresh.localBase, LOCAL_BASE_MAX)) + this.#domainSuffix;
      this.mailboxes.push({
        address: per,
        type: 'PER',
        ownerIdnat: person.idnat,
        situationId: rng.chance(PER_ON_SITUATION_SHARE) ? primary.id : null,
        listeRouge: rng.chance(LISTE_ROUGE_SHARE),
        description: null,
        service: null,
        digitization: rng.chance(0.75),
      });
      this.holders.push({ mailboxAddress: per, personIdnat: person.idnat, role: 'holder' });
    }
    if (rng.chance(EXTRA_SITUATIONS_SHARE)) {
      const extra = rng.chance(0.2) ? 2 : 1;
      const employers = speciality?.employers ?? profession.employers;
      let taken = primary.structureIdnat;
      for (let k = 0; k < extra; k++) {
        const structure = this.#structureFor(rng.pick(employers));
        if (structure.record.idnat === taken) continue;
        taken = structure.record.idnat;
        const start = this.#date(1995, 2024);
        const startYear = Number(start.slice(0, 4));
        const end = rng.chance(EXTRA_SITUATION_ENDED_SHARE) ? this.#date(startYear + 1, Math.min(startYear + 4, 2025)) : null;
        const role = profession.code === MEDECIN_CODE ? 'Praticien attaché' : 'Vacataire';
        this.#situation(person, k + 2, structure.record, null, 'S', role, structure.record, start, end);
        this.#onStaff(structure, person.idnat);
      }
    }
    return { person, per, primary };
  }

  #secretary(forDoctor: boolean, practiceName: string, place: Place, employers: readonly PersonCtx[]): void {
    const rng = this.#rng;
    const assistant = forDoctor && rng.chance(0.25);
    const female = rng.chance(0.9);
    const { person } = this.#newPerson(female, assistant ? 'MEDICAL_ASSISTANT' : 'SECRETARY');
    person.professionLabel = assistant ? MEDICAL_ASSISTANT_LABEL : SECRETARY_LABEL;
    const role = assistant ? (female ? 'Assistante médicale' : 'Assistant médical') : female ? 'Secrétaire médicale' : 'Secrétaire médical';
    const start = this.#date(2016, 2025);
    const ended = rng.chance(0.05);
    const end = ended ? this.#date(Number(start.slice(0, 4)) + 1, 2026) : null;
    // Employed by the practice (RPPS+ situation): salaried, but with no structure of its own.
    const situation = this.#situation(person, 1, null, practiceName, 'S', role, place, start, end);
    const employer = employers[rng.int(employers.length)] as PersonCtx;
    situation.employerIdnat = employer.person.idnat;
    // A delegation never outlives the situation that supports it (R-DEL-5).
    if (!ended && employer.per !== null && rng.chance(DELEGATION_SHARE)) {
      const from = this.#date(2023, 2025);
      this.delegations.push({
        mailboxAddress: employer.per,
        delegateIdnat: person.idnat,
        grantedBy: employer.person.idnat,
        startAt: from < start ? start : from,
        endAt: rng.chance(0.3) ? rng.pick(DELEGATION_END_DATES) : null,
      });
    }
  }

  // -- situations, places, structures --

  #situation(
    person: SeedPerson,
    n: number,
    structure: SeedStructure | null,
    practiceName: string | null,
    mode: 'L' | 'S',
    roleLabel: string,
    at: { street: string; postalCode: string; city: string; departement: string },
    startDate: string,
    endDate: string | null,
  ): SeedSituation {
    const situation: SeedSituation = {
      id: `sit-${person.idnat}-${n}`,
      personIdnat: person.idnat,
      structureIdnat: structure ? structure.idnat : null,
      practiceName,
      mode,
      roleLabel,
      street: at.street,
      postalCode: at.postalCode,
      city: at.city,
      departement: at.departement,
      startDate,
      endDate,
    };
    this.situations.push(situation);
    return situation;
  }

  #roleIn(profession: Profession, speciality: Speciality | null, kind: StructureKind): string {
    if (profession.code !== MEDECIN_CODE) return profession.salariedRole;
    if (speciality?.code === 'SM03') return 'Biologiste médical';
    return kind.doctorRole;
  }

  #place(): Place {
    const rng = this.#rng;
    const cityIndex = CITY_TABLE.pick(rng);
    const city = CITIES[cityIndex] as (typeof CITIES)[number];
    return {
      street: `${1 + rng.int(150)} ${rng.pick(STREET_TYPES)} ${rng.pick(STREET_NAMES)}`,
      postalCode: city.postalCode,
      city: city.name,
      departement: city.departement,
      cityIndex,
    };
  }

  #date(fromYear: number, toYear: number): string {
    const rng = this.#rng;
    const year = fromYear + rng.int(toYear - fromYear + 1);
    return `${year}-${PAD2[1 + rng.int(12)] as string}-${PAD2[1 + rng.int(28)] as string}`;
  }

  /**
   * A structure of this kind for a salaried professional: a new one while the kind has fewer
   * than its share of one structure per STRUCTURE_EVERY professionals, otherwise one of the
   * recent ones. Creating on demand means every structure has staff from the start.
   */
  #structureFor(kindKey: StructureKindKey): StructureRef {
    const kind = STRUCTURE_KINDS[kindKey];
    let recent = this.#recentByKind.get(kindKey);
    if (!recent) {
      recent = [];
      this.#recentByKind.set(kindKey, recent);
    }
    const count = this.#countByKind.get(kindKey) ?? 0;
    if (recent.length === 0 || count * STRUCTURE_EVERY < (this.done + 1) * kind.share) {
      const created = this.#createStructure(kind);
      this.#countByKind.set(kindKey, count + 1);
      recent.push(created);
      if (recent.length > RECENT_STRUCTURES) recent.shift();
      return created;
    }
    return recent[this.#rng.int(recent.length)] as StructureRef;
  }

  #createStructure(kind: StructureKind): StructureRef {
    const rng = this.#rng;
    const place = this.#place();
    const ci = place.cityIndex;
    const pi = rng.int(PLACE_NAMES.length);
    const placeName = PLACE_NAMES[pi] as string;
    const placeSlug = PLACE_SLUG[pi] as string;
    const citySlug = CITY_SLUG[ci] as string;
    let name: string;
    let slugBase: string;
    switch (kind.key) {
      case 'CH': {
        // One "Centre hospitalier de X" per city; further hospitals there are named after a patron.
        if (!this.#hospitalCities.has(ci)) {
          this.#hospitalCities.add(ci);
          const university = (CITIES[ci] as (typeof CITIES)[number]).weight >= 5 && rng.chance(0.5);
          name = `${university ? 'Centre hospitalier universitaire' : 'Centre hospitalier'} ${CITY_OF[ci] as string}`;
          slugBase = `${university ? 'chu' : 'ch'}-${citySlug}`;
        } else {
          const hi = rng.int(HOSPITAL_NAMES.length);
          name = `Hôpital ${HOSPITAL_NAMES[hi] as string}`;
          slugBase = `hopital-${HOSPITAL_SLUG[hi] as string}-${citySlug}`;
        }
        break;
      }
      default: {
        const named = NAMED_AFTER_PLACE[kind.key];
        name = `${named.title} ${named.articled ? (PLACE_AS_NAME[pi] as string) : placeName}`;
        slugBase = `${named.slug}-${placeSlug}-${citySlug}`;
      }
    }
    const slug = this.#claimSlug(clip(slugBase, 40));

    let record: SeedStructure;
    if (kind.idType === 'FINESS') {
      const dept = place.departement;
      // Per-département counters from 1000: unique, and above the personas' FINESS numbers.
      const n = (this.#finessCounters.get(dept) ?? 1000) + 1 + rng.int(9);
      this.#finessCounters.set(dept, n);
      const finess = finessFor(dept, n);
      record = { idnat: `1${finess}`, idType: 'FINESS', finess, siret: null, name, sectorCode: kind.sectorCode, ...this.#address(place) };
    } else {
      this.#sirenCounter += 1 + rng.int(40);
      const siret = siretFor(this.#sirenCounter, 1 + rng.int(30));
      record = { idnat: `3${siret}`, idType: 'SIRET', finess: null, siret, name, sectorCode: kind.sectorCode, ...this.#address(place) };
    }
    this.structures.push(record);
    return { record, kind, slug, mailboxes: null, firstResponsible: null, wantsSecondResponsible: false };
  }

  #address(place: Place): { street: string; postalCode: string; city: string; departement: string } {
    return { street: place.street, postalCode: place.postalCode, city: place.city, departement: place.departement };
  }

  /**
   * Called whenever a professional is attached to a structure. The first one becomes the
   * responsible person of the structure's ORG/APP mailboxes (created only now, so that no
   * mailbox is ever without a responsible); sometimes a later one becomes the second.
   */
  #onStaff(structure: StructureRef, idnat: string): void {
    const rng = this.#rng;
    if (structure.mailboxes === null) {
      structure.mailboxes = this.#structureMailboxes(structure);
      structure.firstResponsible = idnat;
      structure.wantsSecondResponsible = rng.chance(0.5);
      for (const address of structure.mailboxes) this.holders.push({ mailboxAddress: address, personIdnat: idnat, role: 'responsible' });
    } else if (structure.wantsSecondResponsible && structure.firstResponsible !== idnat) {
      structure.wantsSecondResponsible = false;
      for (const address of structure.mailboxes) this.holders.push({ mailboxAddress: address, personIdnat: idnat, role: 'responsible' });
    }
  }

  #structureMailboxes(structure: StructureRef): string[] {
    const rng = this.#rng;
    const { kind, record, slug } = structure;
    const out: string[] = [];
    if (kind.idType !== 'FINESS') return out;
    const org = (prefix: string, service: string, description: string): void => {
      const address = this.#claim(clip(`${prefix}.${slug}`, LOCAL_BASE_MAX)) + this.#domainSuffix;
      this.mailboxes.push({
        address,
        type: 'ORG',
        ownerIdnat: record.idnat,
        situationId: null,
        listeRouge: false,
        description,
        service,
        digitization: rng.chance(0.9),
      });
      out.push(address);
    };
    if (rng.chance(kind.secretariatShare)) org(kind.mainOrg.prefix, kind.mainOrg.service, `${kind.mainOrg.service} — ${record.name}`);
    if (kind.services.length > 0) {
      const wanted = kind.key === 'CH' ? 1 + rng.int(3) : rng.int(2);
      const pool = kind.services.slice();
      for (let k = 0; k < wanted && pool.length > 0; k++) {
        const service = pool.splice(rng.int(pool.length), 1)[0] as string;
        org(SERVICE_SLUG.get(service) as string, service, `${service} — ${record.name}`);
      }
    }
    if (rng.chance(kind.labAppShare)) {
      const address = this.#claim(clip(`labo-resultats.${slug}`, LOCAL_BASE_MAX)) + this.#domainSuffix;
      this.mailboxes.push({
        address,
        type: 'APP',
        ownerIdnat: record.idnat,
        situationId: null,
        listeRouge: false,
        description: 'Résultats de biologie, envoi automatique',
        service: 'Laboratoire',
        digitization: true,
      });
      out.push(address);
    }
    return out;
  }

  // -- uniqueness --

  /** A free local part: `base`, else `base2`, `base3`… (R-BAL-1; all bases are lower case). */
  #claim(base: string): string {
    if (!this.#usedLocals.has(base)) {
      this.#usedLocals.add(base);
      return base;
    }
    let n = this.#nextSuffix.get(base) ?? 2;
    while (this.#usedLocals.has(base + n)) n++;
    this.#nextSuffix.set(base, n + 1);
    const local = base + n;
    this.#usedLocals.add(local);
    return local;
  }

  #claimSlug(base: string): string {
    if (!this.#usedSlugs.has(base)) {
      this.#usedSlugs.add(base);
      return base;
    }
    let n = 2;
    while (this.#usedSlugs.has(base + n)) n++;
    this.#usedSlugs.add(base + n);
    return base + n;
  }
}

function checkOptions(opts: SeedOptions): { batchSize: number; domain: string } {
  if (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed)) throw new RangeError('generateDirectory: seed must be a finite number');
  if (!Number.isSafeInteger(opts.professionals) || opts.professionals < 0) {
    throw new RangeError('generateDirectory: professionals must be a non-negative integer');
  }
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('generateDirectory: batchSize must be a positive integer');
  const domain = String(opts.operatorDomain).toLowerCase();
  if (!DOMAIN_RE.test(domain)) throw new RangeError(`generateDirectory: "${opts.operatorDomain}" is not a domain name`);
  return { batchSize, domain };
}

/**
 * Streams a synthetic directory of `professionals` health professionals (plus ~5% secretaries
 * and assistants, and max(10, professionals/500) patients), in batches of about `batchSize`
 * professionals. `done` counts the professionals emitted so far; the last batch has
 * `done === total`. Same options, same output.
 */
export function* generateDirectory(opts: SeedOptions): Generator<SeedBatch & { done: number; total: number }> {
  const { batchSize, domain } = checkOptions(opts);
  const total = opts.professionals;
  const generator = new DirectoryGenerator(opts.seed, domain);
  const patients = Math.max(MIN_PATIENTS, Math.floor(total / PATIENTS_PER_PROFESSIONALS));
  let patientsDone = 0;
  let nextCut = batchSize;
  while (generator.done < total) {
    generator.unit(total - generator.done);
    // Patients are spread along the run (patient j once j/patients of the professionals exist).
    while (patientsDone < patients && patientsDone * total <= generator.done * patients) {
      generator.patient();
      patientsDone++;
    }
    if (generator.done >= nextCut && generator.done < total) {
      yield generator.flush(total);
      while (nextCut <= generator.done) nextCut += batchSize;
    }
  }
  while (patientsDone < patients) {
    generator.patient();
    patientsDone++;
  }
  yield generator.flush(total);
}
