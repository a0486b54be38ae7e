// The §5 "who may do what" table, cell by cell (R-CAB-3, R-CAB-5, R-CAB-6, R-DEL-1..3).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACTIONS,
  MAILBOX_TYPES,
  type MailboxAction,
  type MailboxRole,
  type MailboxType,
  READ_SEND_ACTIONS,
  ROLES,
  ROLE_TABLE,
  isMailboxAction,
  isMailboxRole,
  may,
  mayOperate,
  OPERATOR_ACTIONS,
  rolesForType,
} from '../src/index.ts';

// The expected table, written independently of ROLE_TABLE: one line per role and type where
// the role exists; every other (role, type) pair may do nothing.
const MAIL = ['read', 'send', 'organise'];
const GOV = ['edit-publication', 'read-history']; // ours: who answers for the mailbox, and the operator
// 'create' is asked for the role the principal would have on the new mailbox (ours).
const EXPECTED: Record<string, string[]> = {
  'holder PER': [...MAIL, 'manage-delegates', 'appear-in-directory', ...GOV, 'create', 'change-attachment'],
  'responsible ORG': [...MAIL, 'manage-delegates', 'manage-local-persons', ...GOV, 'manage-responsibles'],
  'responsible APP': [...MAIL, ...GOV, 'manage-responsibles'], // APP not delegable (R-DEL-1); the structure is published, not the person
  'owner CAB': [
    ...MAIL,
    'manage-delegates',
    'manage-cotitulaires',
    'transfer-ownership',
    'delete',
    'appear-in-directory',
    ...GOV,
    'create',
    'change-attachment', // "à l'initiative du propriétaire" (atelier #2)
    'manage-groups', // the practice's group addresses (ours)
  ],
  'cotitulaire CAB': [...MAIL, 'manage-delegates'],
  'delegate PER': [...MAIL],
  'delegate ORG': [...MAIL],
  'delegate CAB': [...MAIL],
  'application APP': [...MAIL], // the APP's software, by its certificate (§5, our choice): mail only
  'local-person ORG': [...MAIL], // a structure's own staff, by its identity provider (issue #20 rule 6): mail only, ORG only
  'operator-admin PER': ['change-status', ...GOV, 'create', 'release-address'],
  'operator-admin ORG': ['transfer-ownership', 'delete', 'change-status', ...GOV, 'create', 'manage-responsibles', 'release-address'],
  'operator-admin APP': ['transfer-ownership', 'delete', 'change-status', ...GOV, 'create', 'manage-responsibles', 'release-address'],
  'operator-admin CAB': ['change-status', ...GOV, 'create', 'release-address'],
};

function ruleFor(role: MailboxRole, action: MailboxAction, type: MailboxType): string {
  if (role === 'delegate') return type === 'APP' ? 'R-DEL-1' : 'R-DEL-3';
  if (role === 'application') return '§5 certificate authentication of APP software';
  if (role === 'local-person' || action === 'manage-local-persons') return 'structure-local identities (ORG only)';
  if (action === 'manage-cotitulaires') return 'R-CAB-3';
  if (action === 'manage-delegates') return 'R-DEL-2';
  if (action === 'transfer-ownership' || action === 'delete') return 'R-CAB-6';
  if (action === 'appear-in-directory') return 'R-ANN-2';
  if (action === 'edit-publication') return 'R-BAL-3';
  if (action === 'read-history') return 'R-CAB-7';
  if (action === 'create') return type === 'CAB' ? 'R-CAB-1' : 'R-BAL-1';
  if (action === 'change-attachment') return 'R-ANN-1';
  if (action === 'manage-responsibles') return '§3 ORG responsible persons';
  if (action === 'release-address') return 'R-BAL-2';
  if (action === 'manage-groups') return 'R-CAB-1 group addresses (ours)';
  return 'R-CAB-5';
}

describe('§5 role table', () => {
  for (const role of ROLES) {
    for (const type of MAILBOX_TYPES) {
      for (const action of ACTIONS) {
        const expected = EXPECTED[`${role} ${type}`]?.includes(action) ?? false;
        test(`${ruleFor(role, action, type)}: ${role} ${expected ? 'may' : 'may not'} ${action} on ${type}`, () => {
          assert.equal(may(role, action, type), expected);
        });
      }
    }
  }

  test('ROLE_TABLE has exactly the expected (role, type) entries', () => {
    const entries = ROLES.flatMap((role) => Object.keys(ROLE_TABLE[role]).map((type) => `${role} ${type}`));
    assert.deepEqual(entries.sort(), Object.keys(EXPECTED).sort());
  });

  test('R-CAB-5 / R-DEL-3: everyone who may read may also send and organise, and the reverse', () => {
    for (const role of ROLES) {
      for (const type of MAILBOX_TYPES) {
        const rights = READ_SEND_ACTIONS.map((a) => may(role, a, type));
        assert.ok(
          rights.every((r) => r === rights[0]),
          `${role} on ${type}`,
        );
      }
    }
  });

  test('least privilege: operator-admin never reads or sends mail', () => {
    for (const type of MAILBOX_TYPES) {
      for (const action of READ_SEND_ACTIONS) assert.equal(may('operator-admin', action, type), false);
    }
  });

  test('R-DEL-3, R-ANN-2: delegates and cotitulaires never appear in the directory', () => {
    for (const type of MAILBOX_TYPES) {
      assert.equal(may('delegate', 'appear-in-directory', type), false);
      assert.equal(may('cotitulaire', 'appear-in-directory', type), false);
    }
  });

  test('rolesForType lists the roles that exist on each type', () => {
    assert.deepEqual(rolesForType('PER'), ['holder', 'delegate', 'operator-admin']);
    assert.deepEqual(rolesForType('ORG'), ['responsible', 'delegate', 'local-person', 'operator-admin']);
    assert.deepEqual(rolesForType('APP'), ['responsible', 'application', 'operator-admin']);
    assert.deepEqual(rolesForType('CAB'), ['owner', 'cotitulaire', 'delegate', 'operator-admin']);
  });

  test("R-CAB-4: only the operator's administrators publish a CGU version (operator-wide actions)", () => {
    assert.equal(mayOperate('operator-admin', 'publish-cgu'), true);
    assert.equal(mayOperate('person', 'publish-cgu'), false);
    assert.deepEqual(
      [...OPERATOR_ACTIONS],
      ['publish-cgu', 'list-mailboxes', 'read-audit', 'read-indicators', 'read-own-indicators', 'read-directory-sync'],
    );
  });

  test("only the operator's administrators list every mailbox and read the audit trail (operator-wide actions)", () => {
    // The directory synchronisation's state (issue #15) says what the operator knows and when: administrators too.
    for (const action of ['list-mailboxes', 'read-audit', 'read-directory-sync'] as const) {
      assert.equal(mayOperate('operator-admin', action), true, action);
      assert.equal(mayOperate('person', action), false, action);
    }
  });

  test('R-IND-1: the administrators read every indicator row, a person only their own', () => {
    assert.equal(mayOperate('operator-admin', 'read-indicators'), true);
    assert.equal(mayOperate('person', 'read-indicators'), false);
    assert.equal(mayOperate('person', 'read-own-indicators'), true);
  });

  test('guards', () => {
    assert.equal(isMailboxRole('owner'), true);
    assert.equal(isMailboxRole('admin'), false);
    assert.equal(isMailboxAction('change-status'), true);
    assert.equal(isMailboxAction('read mail'), false);
  });
});
