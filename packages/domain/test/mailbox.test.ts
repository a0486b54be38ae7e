// Mailbox types, lifecycle, addresses per type, holders and publication (§3, §4).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  HOLDER_ID_KIND,
  MAILBOX_STATUSES,
  MAILBOX_TRANSITIONS,
  MAILBOX_TYPES,
  type MailboxStatus,
  type MailboxType,
  canTransition,
  checkHolderIdNat,
  checkMailboxAddressForType,
  holderIdKind,
  isDelegable,
  isMailboxStatus,
  isMailboxType,
  isPublished,
} from '../src/index.ts';
import { anyString, localPart, mssDomain } from './support/arbitraries.ts';

const operatorDomains = ['ch-exemple.mssante.fr', 'Medecin.mssante.fr'];

function ruleOf(type: MailboxType, address: string): string | undefined {
  const r = checkMailboxAddressForType(type, address, { operatorDomains });
  return r.ok ? undefined : r.error.rule;
}

describe('mailbox types', () => {
  test('the four types, and guards', () => {
    assert.deepEqual([...MAILBOX_TYPES], ['PER', 'ORG', 'APP', 'CAB']);
    assert.equal(isMailboxType('CAB'), true);
    assert.equal(isMailboxType('cab'), false);
    assert.equal(isMailboxType(undefined), false);
  });

  test('R-DEL-1: PER, ORG and CAB are delegable; APP is not (our choice)', () => {
    assert.deepEqual(
      MAILBOX_TYPES.filter((t) => isDelegable(t)),
      ['PER', 'ORG', 'CAB'],
    );
  });

  test('§3: PER and CAB are held by a person IdNat, ORG and APP by a structure IdNat', () => {
    assert.deepEqual(HOLDER_ID_KIND, { PER: 'person', ORG: 'structure', APP: 'structure', CAB: 'person' });
    assert.equal(holderIdKind('CAB'), 'person');
    assert.equal(checkHolderIdNat('PER', '810000001916').ok, true);
    assert.equal(checkHolderIdNat('CAB', '810000001916').ok, true);
    assert.equal(checkHolderIdNat('ORG', '1750712184').ok, true);
    assert.equal(checkHolderIdNat('APP', '2732829320').ok, true);
    const wrong = checkHolderIdNat('ORG', '810000001916', 'holder');
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.error.message, 'holder 810000001916: must start with 1 (FINESS), 2 (SIREN) or 3 (SIRET)');
    assert.equal(checkHolderIdNat('PER', '1750712184').ok, false);
  });
});

describe('R-BAL-2: lifecycle', () => {
  const allowed: [MailboxStatus, MailboxStatus][] = [
    ['active', 'suspended'],
    ['suspended', 'active'],
    ['active', 'closed'],
    ['suspended', 'closed'],
  ];
  for (const from of MAILBOX_STATUSES) {
    for (const to of MAILBOX_STATUSES) {
      const expected = allowed.some(([f, t]) => f === from && t === to);
      test(`R-BAL-2: ${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
        assert.equal(canTransition(from, to), expected);
      });
    }
  }
  test('R-BAL-2: closed is final', () => {
    assert.deepEqual(MAILBOX_TRANSITIONS.closed, []);
    assert.equal(isMailboxStatus('closed'), true);
    assert.equal(isMailboxStatus('created'), false);
  });
});

describe('R-BAL-3: publication', () => {
  for (const type of MAILBOX_TYPES) {
    for (const status of MAILBOX_STATUSES) {
      for (const listeRouge of [false, true]) {
        const expected = status === 'active' && !listeRouge;
        test(`R-BAL-3: ${type} ${status}${listeRouge ? ' on liste rouge' : ''} is ${expected ? '' : 'not '}published`, () => {
          assert.equal(isPublished({ type, status, listeRouge }), expected);
        });
      }
    }
  }
});

describe('R-CAB-2 and R-BAL-1: addresses per type', () => {
  test('R-CAB-2: a CAB address starts with "cabinet."', () => {
    const r = checkMailboxAddressForType('CAB', 'cabinet.infirmiers-des-lilas@medecin.mssante.fr', { operatorDomains });
    assert.ok(r.ok);
    assert.equal(r.value.address, 'cabinet.infirmiers-des-lilas@medecin.mssante.fr');
    assert.equal(ruleOf('CAB', 'Cabinet.Lilas@medecin.mssante.fr'), undefined);
  });

  test('R-CAB-2: any other CAB address is refused with a message naming the rule', () => {
    const r = checkMailboxAddressForType('CAB', 'claire.martin@medecin.mssante.fr', { operatorDomains });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.rule, 'R-CAB-2');
    assert.equal(
      !r.ok && r.error.message,
      'CAB mailbox address claire.martin@medecin.mssante.fr: a CAB local part must start with "cabinet." followed by the practice\'s name, e.g. cabinet.infirmier-des-lilas (R-CAB-2)',
    );
    assert.equal(ruleOf('CAB', 'cabinet@medecin.mssante.fr'), 'R-CAB-2');
    assert.equal(ruleOf('CAB', 'cabinetlilas@medecin.mssante.fr'), 'R-CAB-2');
    assert.equal(ruleOf('CAB', 'cabinet.@medecin.mssante.fr'), 'syntax');
  });

  test('R-CAB-2 (our choice, both ways): only CAB may start with "cabinet."', () => {
    for (const type of ['PER', 'ORG', 'APP'] as const) {
      const r = checkMailboxAddressForType(type, 'CABINET.lilas@medecin.mssante.fr', { operatorDomains });
      assert.equal(
        !r.ok && r.error.message,
        `${type} mailbox address CABINET.lilas@medecin.mssante.fr: only CAB mailboxes may start with "cabinet." (R-CAB-2)`,
      );
      assert.equal(ruleOf(type, 'cabinets@medecin.mssante.fr'), undefined);
    }
  });

  test("R-BAL-1: the domain must be one of the operator's", () => {
    assert.equal(ruleOf('ORG', 'cardiologie@ch-exemple.mssante.fr'), undefined);
    assert.equal(ruleOf('ORG', 'cardiologie@ch-autre.mssante.fr'), 'operator-domain');
    assert.equal(ruleOf('PER', 'jean@gmail.com'), 'domain');
  });

  test('R-MES: the patient domain is never an operator mailbox', () => {
    for (const type of MAILBOX_TYPES) {
      const r = checkMailboxAddressForType(type, '279035121518989@patient.mssante.fr', {
        operatorDomains: [...operatorDomains, 'patient.mssante.fr'],
      });
      assert.equal(!r.ok && r.error.rule, 'patient-domain');
      assert.equal(
        !r.ok && r.error.message,
        `${type} mailbox address 279035121518989@patient.mssante.fr: patient.mssante.fr is reserved for patients (Mon Espace Santé)`,
      );
    }
  });

  test('property: never throws; "cabinet." decides CAB vs the other types', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MAILBOX_TYPES), anyString, (type, v) => {
        checkMailboxAddressForType(type, v, { operatorDomains });
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...MAILBOX_TYPES), fc.boolean(), localPart, mssDomain, (type, cab, local, domain) => {
        const address = `${cab ? 'cabinet.' : ''}${local}@${domain}`;
        const r = checkMailboxAddressForType(type, address, { operatorDomains: [domain] });
        const startsCab = address.toLowerCase().startsWith('cabinet.');
        assert.equal(r.ok, (type === 'CAB') === startsCab, address);
        if (!r.ok) assert.equal(r.error.rule, 'R-CAB-2');
      }),
    );
  });
});
