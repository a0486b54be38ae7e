import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  checkFiness,
  checkIdNatPerson,
  checkIdNatStructure,
  checkIns,
  checkMailboxAddressForType,
  checkRpps,
  checkSiret,
  insKey,
  luhnValid,
} from '@mss/domain';

import { demoPersonas, FIRST_GENERATED_RPPS_SEQUENCE, generateDirectory, type SeedHolder, type SeedSituation } from '../src/index.ts';
import { collect, countBy, DOMAIN, localPart, referenceProblems } from './helpers.ts';

const PROFESSIONALS = 20_000;
const run = collect({ seed: 42, professionals: PROFESSIONALS, operatorDomain: DOMAIN });
// Large enough for rare cases: Corsican patients, homonyms of the personas.
const large = collect({ seed: 9, professionals: 100_000, operatorDomain: DOMAIN });
const ps = run.persons.filter((p) => p.kind === 'PS');
const patients = run.persons.filter((p) => p.kind === 'PATIENT');
const staff = run.persons.filter((p) => p.kind === 'SECRETARY' || p.kind === 'MEDICAL_ASSISTANT');
const personByIdnat = new Map(run.persons.map((p) => [p.idnat, p]));
const situationsByPerson = new Map<string, SeedSituation[]>();
for (const s of run.situations) situationsByPerson.set(s.personIdnat, [...(situationsByPerson.get(s.personIdnat) ?? []), s]);
const holdersByMailbox = new Map<string, SeedHolder[]>();
for (const h of run.holders) holdersByMailbox.set(h.mailboxAddress, [...(holdersByMailbox.get(h.mailboxAddress) ?? []), h]);
const isoDate = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

describe('generated identifiers', () => {
  it('gives every professional, secretary and assistant a valid RPPS above the personas range', () => {
    assert.equal(ps.length, PROFESSIONALS);
    for (const p of [...ps, ...staff]) {
      assert.equal(p.idType, 'RPPS');
      assert.ok(p.rpps !== null && luhnValid(p.rpps), `RPPS ${p.rpps}`);
      assert.ok(checkRpps(p.rpps).ok, `checkRpps ${p.rpps}`);
      assert.equal(p.idnat, `8${p.rpps}`);
      assert.ok(checkIdNatPerson(p.idnat).ok, `IdNat ${p.idnat}`);
      assert.ok(Number(p.rpps.slice(0, 10)) >= FIRST_GENERATED_RPPS_SEQUENCE, p.rpps);
    }
  });

  it('gives every patient a valid INS, some of them Corsican', () => {
    assert.equal(patients.length, Math.max(10, Math.floor(PROFESSIONALS / 500)));
    const many = large.persons.filter((p) => p.kind === 'PATIENT');
    for (const p of [...patients, ...many]) {
      assert.equal(p.idType, 'INS');
      assert.equal(p.rpps, null);
      assert.equal(p.idnat.length, 15);
      assert.equal(insKey(p.idnat.slice(0, 13)), p.idnat.slice(13), p.idnat);
      const check = checkIns(p.idnat);
      assert.ok(check.ok, `INS ${p.idnat}`);
      assert.equal(p.civility, p.idnat[0] === '2' ? 'MME' : 'M', `civility of ${p.idnat}`);
    }
    assert.ok(
      many.some((p) => /^.{5}2[AB]/.test(p.idnat)),
      'no INS with 2A/2B',
    );
    assert.ok(
      many.some((p) => p.idnat.slice(5, 7) === '97'),
      'no INS born overseas',
    );
  });

  it('gives structures a valid FINESS or SIRET, including Corsican and overseas FINESS', () => {
    const ratio = run.structures.length / PROFESSIONALS;
    assert.ok(ratio > 0.04 && ratio < 0.06, `one structure per ${1 / ratio} professionals`);
    for (const s of run.structures) {
      assert.ok(checkIdNatStructure(s.idnat).ok, `IdNat ${s.idnat}`);
      if (s.idType === 'FINESS') {
        assert.ok(s.finess !== null && s.siret === null);
        assert.equal(s.idnat, `1${s.finess}`);
        assert.ok(checkFiness(s.finess).ok, `FINESS ${s.finess}`);
        assert.ok(luhnValid(s.finess.replace(/^2[AB]/, '20')), `Luhn FINESS ${s.finess}`);
        const dept = s.departement.length === 3 ? s.departement : s.departement.padStart(2, '0');
        assert.ok(s.finess.startsWith(dept), `FINESS ${s.finess} in département ${s.departement}`);
      } else {
        assert.ok(s.siret !== null && s.finess === null);
        assert.equal(s.idnat, `3${s.siret}`);
        assert.ok(checkSiret(s.siret).ok && luhnValid(s.siret) && luhnValid(s.siret.slice(0, 9)), `SIRET ${s.siret}`);
      }
    }
    assert.ok(
      run.structures.some((s) => s.finess?.startsWith('2A') || s.finess?.startsWith('2B')),
      'no Corsican FINESS',
    );
    assert.ok(
      run.structures.some((s) => s.finess?.startsWith('97')),
      'no overseas FINESS',
    );
    assert.ok(
      run.structures.some((s) => s.idType === 'SIRET'),
      'no SIRET structure',
    );
  });

  it('never repeats an IdNat, a situation id or an address, and does not collide with the personas', () => {
    const personas = demoPersonas(DOMAIN).batch;
    const idnats = [...run.persons, ...run.structures, ...personas.persons, ...personas.structures].map((r) => r.idnat);
    assert.equal(new Set(idnats).size, idnats.length);
    const ids = run.situations.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
    const addresses = [...run.mailboxes, ...personas.mailboxes].map((m) => m.address.toLowerCase());
    assert.equal(new Set(addresses).size, addresses.length);
    const largeAddresses = new Set(large.mailboxes.map((m) => m.address.toLowerCase()));
    assert.equal(largeAddresses.size, large.mailboxes.length);
    for (const m of personas.mailboxes) assert.ok(!largeAddresses.has(m.address), `generated ${m.address}`);
    // Meaningful only if the run has a homonym of the persona with a PER: it must get a suffix.
    assert.ok(largeAddresses.has(`paul.martin2@${DOMAIN}`), 'no generated Paul Martin with a PER in this run');
    const largeIdnats = new Set([...large.persons, ...large.structures].map((r) => r.idnat));
    for (const r of [...personas.persons, ...personas.structures]) assert.ok(!largeIdnats.has(r.idnat), `generated ${r.idnat}`);
  });
});

describe('generated mailboxes', () => {
  it('are RFC 5321 dot-atoms in the operator domain, valid for their type', () => {
    for (const m of run.mailboxes) {
      const check = checkMailboxAddressForType(m.type, m.address, { operatorDomains: [DOMAIN] });
      assert.ok(check.ok, check.ok ? '' : check.error.message);
      const local = localPart(m.address);
      assert.match(local, /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, m.address);
      assert.ok(local.length <= 64, m.address);
    }
  });

  it('start with cabinet. exactly when they are CAB', () => {
    const cabs = run.mailboxes.filter((m) => m.type === 'CAB');
    assert.ok(cabs.length > 50);
    for (const m of run.mailboxes) assert.equal(m.address.startsWith('cabinet.'), m.type === 'CAB', m.address);
  });

  it('give ~85% of professionals a PER named prenom.nom, ~3% of them on liste rouge', () => {
    const pers = run.mailboxes.filter((m) => m.type === 'PER');
    const share = pers.length / ps.length;
    assert.ok(share > 0.8 && share < 0.9, `PER share ${share}`);
    const rouge = pers.filter((m) => m.listeRouge).length / pers.length;
    assert.ok(rouge > 0.015 && rouge < 0.05, `liste rouge share ${rouge}`);
    const attached = pers.filter((m) => m.situationId !== null).length / pers.length;
    assert.ok(attached > 0.4 && attached < 0.9, `PER attached to a situation ${attached}`);
    for (const m of pers) {
      const owner = personByIdnat.get(m.ownerIdnat);
      assert.equal(owner?.kind, 'PS', m.address);
      assert.match(localPart(m.address), /^[a-z-]+\.[a-z-]+\d*$/);
    }
    assert.ok(
      pers.some((m) => /^[a-z]+-[a-z]+\./.test(m.address)),
      'no compound first name in addresses',
    );
    assert.ok(
      pers.some((m) => /\.[a-z]+\d+@/.test(m.address)),
      'no numeric suffix for homonyms',
    );
  });

  it('gives each PER exactly one holder, its owner', () => {
    for (const m of run.mailboxes.filter((x) => x.type === 'PER')) {
      const holders = holdersByMailbox.get(m.address) ?? [];
      assert.deepEqual(
        holders.map((h) => [h.role, h.personIdnat]),
        [['holder', m.ownerIdnat]],
        m.address,
      );
    }
  });

  it('attaches ORG and APP to FINESS structures with one or two responsible persons working there', () => {
    const structures = new Map(run.structures.map((s) => [s.idnat, s]));
    const orgs = run.mailboxes.filter((m) => m.type === 'ORG' || m.type === 'APP');
    assert.ok(orgs.some((m) => m.type === 'APP' && m.address.startsWith('labo-resultats.')));
    assert.ok(orgs.some((m) => m.type === 'ORG' && m.address.startsWith('secretariat.')));
    assert.ok(orgs.some((m) => m.type === 'ORG' && m.service === 'Cardiologie' && m.address.startsWith('cardiologie.')));
    for (const m of orgs) {
      assert.equal(structures.get(m.ownerIdnat)?.idType, 'FINESS', m.address);
      assert.ok(m.service !== null, m.address);
      const responsible = holdersByMailbox.get(m.address) ?? [];
      assert.ok(responsible.length >= 1 && responsible.length <= 2, `${m.address}: ${responsible.length} responsible`);
      for (const h of responsible) {
        assert.equal(h.role, 'responsible');
        const worksThere = (situationsByPerson.get(h.personIdnat) ?? []).some((s) => s.structureIdnat === m.ownerIdnat);
        assert.ok(worksThere, `${h.personIdnat} responsible for ${m.address} without working there`);
      }
    }
  });

  it('gives CAB an owner who is a liberal PS without FINESS, and 0–3 cotitulaires of the same practice', () => {
    const cabs = run.mailboxes.filter((m) => m.type === 'CAB');
    let withCotitulaires = 0;
    for (const m of cabs) {
      const owner = personByIdnat.get(m.ownerIdnat);
      assert.equal(owner?.kind, 'PS', m.address);
      assert.ok(m.ownerIdnat.startsWith('8'), 'the owner is a person, not a structure');
      const ownerSituation = run.situations.find((s) => s.id === m.situationId);
      assert.ok(ownerSituation, `${m.address} has no owner situation`);
      assert.equal(ownerSituation.mode, 'L');
      assert.equal(ownerSituation.structureIdnat, null);
      const holders = holdersByMailbox.get(m.address) ?? [];
      const owners = holders.filter((h) => h.role === 'owner');
      assert.deepEqual(
        owners.map((h) => h.personIdnat),
        [m.ownerIdnat],
      );
      const cotitulaires = holders.filter((h) => h.role === 'cotitulaire');
      assert.ok(cotitulaires.length <= 3);
      assert.equal(holders.length, owners.length + cotitulaires.length);
      if (cotitulaires.length > 0) withCotitulaires++;
      for (const c of cotitulaires) {
        assert.notEqual(c.personIdnat, m.ownerIdnat);
        assert.equal(personByIdnat.get(c.personIdnat)?.kind, 'PS');
        const same = (situationsByPerson.get(c.personIdnat) ?? []).some(
          (s) => s.practiceName === ownerSituation.practiceName && s.street === ownerSituation.street && s.mode === 'L',
        );
        assert.ok(same, `cotitulaire ${c.personIdnat} of ${m.address} is not in the practice`);
      }
    }
    assert.ok(withCotitulaires > 0 && withCotitulaires < cabs.length, 'CAB cotitulaire counts do not vary');
  });
});

describe('generated people and situations', () => {
  it('references only records of the same or an earlier batch', () => {
    assert.deepEqual(referenceProblems(run.batches), []);
  });

  it('catches a dangling reference (the checker itself can fail)', () => {
    const first = run.batches[0];
    assert.ok(first);
    const broken = {
      ...first,
      holders: [...first.holders, { mailboxAddress: `nobody@${DOMAIN}`, personIdnat: '0', role: 'holder' as const }],
    };
    assert.equal(referenceProblems([broken]).length, 2);
  });

  it('has well-formed situations: liberal in a practice, salaried in a structure or employed by a practice', () => {
    for (const s of run.situations) {
      assert.match(s.startDate, isoDate);
      if (s.endDate !== null) {
        assert.match(s.endDate, isoDate);
        assert.ok(s.endDate > s.startDate, `${s.id} ends before it starts`);
      }
      if (s.mode === 'L') {
        assert.equal(s.structureIdnat, null);
        assert.ok(s.practiceName, s.id);
      } else {
        assert.ok(s.structureIdnat !== null || s.practiceName !== null, s.id);
      }
      assert.ok(s.street && s.city && /^\d{5}$/.test(s.postalCode), s.id);
    }
    const counts = [
      ...countBy(
        run.situations.filter((s) => personByIdnat.get(s.personIdnat)?.kind === 'PS'),
        (s) => s.personIdnat,
      ).values(),
    ];
    assert.equal(counts.length, ps.length, 'every PS has a situation');
    const several = counts.filter((n) => n >= 2).length / counts.length;
    assert.ok(several > 0.1 && several < 0.2, `share with several situations ${several}`);
    assert.ok(counts.some((n) => n === 3));
    assert.ok(counts.every((n) => n <= 3));
  });

  it('employs ~5% secretaries and assistants in practices, without mailboxes, some holding a delegation', () => {
    const share = staff.length / ps.length;
    assert.ok(share > 0.03 && share < 0.07, `secretary share ${share}`);
    assert.ok(staff.some((p) => p.kind === 'MEDICAL_ASSISTANT') && staff.some((p) => p.kind === 'SECRETARY'));
    const owners = new Set(run.mailboxes.map((m) => m.ownerIdnat));
    const holders = new Set(run.holders.map((h) => h.personIdnat));
    for (const p of [...staff, ...patients]) {
      assert.ok(!owners.has(p.idnat) && !holders.has(p.idnat), `${p.kind} ${p.idnat} has a mailbox`);
    }
    for (const p of staff) {
      const situations = situationsByPerson.get(p.idnat) ?? [];
      assert.equal(situations.length, 1);
      assert.equal(situations[0]?.structureIdnat, null);
      assert.ok(situations[0]?.practiceName);
    }
    assert.ok(run.delegations.length > staff.length / 3, `${run.delegations.length} delegations`);
    assert.ok(run.delegations.some((d) => d.endAt !== null) && run.delegations.some((d) => d.endAt === null));
    const mailboxes = new Map(run.mailboxes.map((m) => [m.address, m]));
    for (const d of run.delegations) {
      const mailbox = mailboxes.get(d.mailboxAddress);
      assert.equal(mailbox?.type, 'PER');
      assert.equal(mailbox.ownerIdnat, d.grantedBy);
      const delegate = personByIdnat.get(d.delegateIdnat);
      assert.ok(delegate?.kind === 'SECRETARY' || delegate?.kind === 'MEDICAL_ASSISTANT');
      const delegateSituation = situationsByPerson.get(d.delegateIdnat)?.[0];
      const employerPractices = (situationsByPerson.get(d.grantedBy) ?? []).map((s) => s.practiceName);
      assert.ok(employerPractices.includes(delegateSituation?.practiceName ?? '?'), 'delegation outside the employer practice');
      assert.equal(delegateSituation?.endDate, null, 'delegation supported by an ended situation');
      assert.match(d.startAt, isoDate);
      if (d.endAt !== null) assert.ok(d.endAt > d.startAt);
    }
  });

  it('looks like the French population of professionals', () => {
    const byProfession = countBy(ps, (p) => p.professionLabel ?? '');
    const sorted = [...byProfession.entries()].sort((a, b) => b[1] - a[1]);
    assert.deepEqual(
      sorted
        .slice(0, 2)
        .map(([label]) => label)
        .sort(),
      ['Infirmier', 'Médecin'],
    );
    const doctors = ps.filter((p) => p.professionCode === '10');
    const gps = doctors.filter((p) => p.specialityCode === 'SM54').length;
    assert.ok(gps / doctors.length > 0.35 && gps / doctors.length < 0.6, `GP share ${gps / doctors.length}`);
    assert.ok(ps.every((p) => p.categoryCode === 'C' && p.professionCode !== null && p.professionLabel !== null));
    assert.ok(
      ps.some((p) => /[éèêëàâîïôûüç]/i.test(p.lastName + p.firstName)),
      'no accents',
    );
    assert.ok(
      ps.some((p) => p.lastName.includes(' ')),
      'no compound family names',
    );
    assert.ok(
      ps.some((p) => p.firstName.includes('-')),
      'no compound first names',
    );
    const departements = new Set(run.situations.map((s) => s.departement));
    for (const d of ['2A', '2B', '971', '972', '973', '974', '976']) assert.ok(departements.has(d), `no situation in ${d}`);
    const women = ps.filter((p) => p.civility === 'MME').length / ps.length;
    assert.ok(women > 0.55 && women < 0.8, `women ${women}`);
  });
});

describe('generated progress', () => {
  it('reports monotonic progress ending at the total', () => {
    const batchSize = 1000;
    let previous = 0;
    for (const b of run.batches) {
      assert.equal(b.total, PROFESSIONALS);
      assert.ok(b.done > previous, `done went from ${previous} to ${b.done}`);
      assert.ok(b.done - previous <= batchSize + 3, `a batch of ${b.done - previous} professionals`);
      assert.equal(b.persons.filter((p) => p.kind === 'PS').length, b.done - previous);
      previous = b.done;
    }
    assert.equal(previous, PROFESSIONALS);
    assert.ok(run.batches.length >= PROFESSIONALS / batchSize - 1);
  });

  it('handles tiny runs', () => {
    const empty = [...generateDirectory({ seed: 1, professionals: 0, operatorDomain: DOMAIN })];
    assert.equal(empty.length, 1);
    assert.equal(empty[0]?.done, 0);
    assert.equal(empty[0]?.persons.length, 10, 'the minimum of 10 patients');
    const one = collect({ seed: 1, professionals: 1, operatorDomain: DOMAIN });
    assert.equal(one.persons.filter((p) => p.kind === 'PS').length, 1);
    assert.deepEqual(referenceProblems(one.batches), []);
  });

  // Its speed is measured by `npm run bench` (seed), not asserted here.
  it('generates 200,000 professionals, counting them as it goes', () => {
    let done = 0;
    let batches = 0;
    for (const b of generateDirectory({ seed: 11, professionals: 200_000, operatorDomain: DOMAIN })) {
      assert.ok(b.done >= done, 'progress never goes back');
      done = b.done;
      batches++;
    }
    assert.equal(done, 200_000);
    assert.ok(batches > 1, 'delivered in batches, not all at once');
  });
});
