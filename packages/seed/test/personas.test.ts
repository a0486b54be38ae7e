import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkFiness, checkIns, checkMailboxAddressForType, checkMssAddress, insKey, luhnValid } from '@mss/domain';

import { demoPersonas, FIRST_GENERATED_RPPS_SEQUENCE, secretaryDelegationEnd } from '../src/index.ts';
import { DOMAIN, referenceProblems } from './helpers.ts';

const { batch, personas, cguAcceptedBy } = demoPersonas(DOMAIN);
const persona = (key: string) => {
  const p = personas.find((x) => x.key === key);
  assert.ok(p, `no persona ${key}`);
  return p;
};
const person = (idnat: string) => {
  const p = batch.persons.find((x) => x.idnat === idnat);
  assert.ok(p, `no person ${idnat}`);
  return p;
};
const holdersOf = (address: string) => batch.holders.filter((h) => h.mailboxAddress === address).map((h) => [h.role, h.personIdnat]);

const PER = `paul.martin@${DOMAIN}`;
const CAB = `cabinet.infirmiers-des-lilas@${DOMAIN}`;
const ORG = `cardiologie.ch-lilas@${DOMAIN}`;
const APP = `labo-resultats.ch-lilas@${DOMAIN}`;

describe('demo personas', () => {
  it('has the fixed cast with fixed IdNats (documented in the README)', () => {
    assert.deepEqual(
      personas.map((p) => [p.key, p.idnat, p.name]),
      [
        ['gp', '810000001056', 'Dr Paul Martin'],
        ['cab-owner', '810000001130', 'Claire Dubois'],
        ['cab-cotitulaire', '810000001213', 'Marc Lefèvre'],
        ['cab-cotitulaire-2', '810000001395', 'Sophie Moreau'],
        ['secretary', '810000001478', 'Julie Bernard'],
        ['hospital-admin', '810000001551', 'Dr Nathalie Girard'],
        ['patient', '279035121518989', 'Dominique Pat-Trois'],
      ],
    );
    for (const p of personas) assert.ok(p.role.length > 0 && p.mailboxes.length > 0, p.key);
  });

  it('uses valid RPPS below the generated range', () => {
    for (const p of batch.persons.filter((x) => x.kind !== 'PATIENT')) {
      assert.ok(p.rpps !== null && luhnValid(p.rpps), `${p.lastName} ${p.rpps}`);
      assert.equal(p.idnat, `8${p.rpps}`);
      assert.ok(Number(p.rpps.slice(0, 10)) < FIRST_GENERATED_RPPS_SEQUENCE);
    }
  });

  it('makes Dr Martin a liberal GP holding paul.martin@', () => {
    const gp = person(persona('gp').idnat);
    assert.deepEqual([gp.kind, gp.professionCode, gp.specialityCode, gp.firstName, gp.lastName], ['PS', '10', 'SM54', 'Paul', 'Martin']);
    const situation = batch.situations.find((s) => s.personIdnat === gp.idnat);
    assert.equal(situation?.practiceName, 'Cabinet du Dr Martin');
    assert.equal(situation?.mode, 'L');
    assert.equal(situation?.structureIdnat, null);
    const per = batch.mailboxes.find((m) => m.address === PER);
    assert.equal(per?.type, 'PER');
    assert.equal(per?.ownerIdnat, gp.idnat);
    assert.deepEqual(holdersOf(PER), [['holder', gp.idnat]]);
    assert.deepEqual(persona('gp').mailboxes, [PER]);
  });

  it('gives the nurses’ practice a CAB owned by Claire with Marc and Sophie as cotitulaires', () => {
    const cab = batch.mailboxes.find((m) => m.address === CAB);
    assert.equal(cab?.type, 'CAB');
    const claire = persona('cab-owner').idnat;
    const marc = persona('cab-cotitulaire').idnat;
    const sophie = persona('cab-cotitulaire-2').idnat;
    assert.equal(cab.ownerIdnat, claire);
    assert.deepEqual(holdersOf(CAB), [
      ['owner', claire],
      ['cotitulaire', marc],
      ['cotitulaire', sophie],
    ]);
    for (const idnat of [claire, marc, sophie]) {
      assert.equal(person(idnat).professionCode, '60');
      const s = batch.situations.find((x) => x.personIdnat === idnat);
      assert.equal(s?.practiceName, 'Cabinet infirmier des Lilas');
      assert.equal(s?.structureIdnat, null, 'a cabinet without FINESS');
    }
    // Claire has only the CAB; Marc is no customer: no mailbox of his own.
    const owned = (idnat: string) => batch.mailboxes.filter((m) => m.ownerIdnat === idnat).map((m) => m.address);
    assert.deepEqual(owned(claire), [CAB]);
    assert.deepEqual(owned(marc), []);
    assert.deepEqual(owned(sophie), []);
  });

  it('records CGU acceptance for everyone but Marc and the patient', () => {
    const key = (k: string) => persona(k).idnat;
    assert.deepEqual(
      [...cguAcceptedBy].sort(),
      [key('cab-owner'), key('cab-cotitulaire-2'), key('secretary'), key('gp'), key('hospital-admin')].sort(),
    );
    assert.ok(!cguAcceptedBy.includes(key('cab-cotitulaire')));
  });

  it('makes Julie a secretary of Dr Martin, delegate on his PER until the end of a year at least 90 days ahead', () => {
    const julie = person(persona('secretary').idnat);
    assert.equal(julie.kind, 'SECRETARY');
    assert.equal(julie.idType, 'RPPS');
    const situation = batch.situations.find((s) => s.personIdnat === julie.idnat);
    assert.equal(situation?.practiceName, 'Cabinet du Dr Martin');
    assert.equal(situation?.endDate, null);
    assert.deepEqual(
      batch.delegations.map((d) => [d.mailboxAddress, d.delegateIdnat, d.grantedBy, d.endAt]),
      [[PER, julie.idnat, persona('gp').idnat, secretaryDelegationEnd()]],
    );
    assert.deepEqual(persona('secretary').mailboxes, [PER]);
    assert.ok(!batch.mailboxes.some((m) => m.ownerIdnat === julie.idnat));
  });

  it('makes Nathalie responsible for the hospital’s ORG and APP', () => {
    const hospital = batch.structures[0];
    assert.ok(hospital);
    assert.equal(hospital.name, 'Centre hospitalier des Lilas');
    assert.ok(hospital.finess !== null && checkFiness(hospital.finess).ok && luhnValid(hospital.finess));
    assert.equal(hospital.idnat, `1${hospital.finess}`);
    const nathalie = persona('hospital-admin').idnat;
    assert.equal(person(nathalie).kind, 'PS');
    const org = batch.mailboxes.find((m) => m.address === ORG);
    const app = batch.mailboxes.find((m) => m.address === APP);
    assert.deepEqual([org?.type, org?.service, org?.ownerIdnat], ['ORG', 'Cardiologie', hospital.idnat]);
    assert.deepEqual([app?.type, app?.ownerIdnat], ['APP', hospital.idnat]);
    assert.deepEqual(holdersOf(ORG), [['responsible', nathalie]]);
    assert.deepEqual(holdersOf(APP), [['responsible', nathalie]]);
    assert.ok(batch.situations.some((s) => s.personIdnat === nathalie && s.structureIdnat === hospital.idnat));
  });

  it('has the test patient with a valid INS and her MES address, and no operator mailbox', () => {
    const p = persona('patient');
    assert.equal(p.idnat, '279035121518989');
    assert.equal(insKey(p.idnat.slice(0, 13)), '89');
    assert.ok(checkIns(p.idnat).ok);
    assert.deepEqual(p.mailboxes, ['279035121518989@patient.mssante.fr']);
    const address = checkMssAddress(p.mailboxes[0] as string);
    assert.ok(address.ok && address.value.patient);
    const patient = person(p.idnat);
    assert.deepEqual([patient.kind, patient.idType, patient.rpps, patient.civility], ['PATIENT', 'INS', null, 'MME']);
    assert.ok(!batch.mailboxes.some((m) => m.ownerIdnat === p.idnat));
  });

  it('is a self-consistent batch of valid addresses in the given domain', () => {
    assert.deepEqual(referenceProblems([batch]), []);
    for (const m of batch.mailboxes) {
      const check = checkMailboxAddressForType(m.type, m.address, { operatorDomains: [DOMAIN] });
      assert.ok(check.ok, check.ok ? '' : check.error.message);
    }
    const other = demoPersonas('autre.mssante.fr');
    assert.ok(other.batch.mailboxes.every((m) => m.address.endsWith('@autre.mssante.fr')));
    assert.deepEqual(demoPersonas(DOMAIN), { batch, personas, cguAcceptedBy }, 'not deterministic');
  });
});

describe('secretaryDelegationEnd', () => {
  it('is the end of the current year early on, of the next year in its last 90 days', () => {
    assert.equal(secretaryDelegationEnd(new Date('2026-01-05T00:00:00Z')), '2026-12-31');
    assert.equal(secretaryDelegationEnd(new Date('2026-09-30T00:00:00Z')), '2026-12-31');
    assert.equal(secretaryDelegationEnd(new Date('2026-11-23T00:00:00Z')), '2027-12-31');
  });
});
