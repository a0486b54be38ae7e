// Who may do what on a mailbox: the table of §5 (R-CAB-5, R-CAB-6, R-DEL-2, R-DEL-3), kept
// as data so that it can be printed, reviewed against the reference, and tested cell by cell.

import type { MailboxType } from './types.ts';

export const ROLES = [
  'holder',
  'responsible',
  'owner',
  'cotitulaire',
  'delegate',
  'application',
  'local-person',
  'operator-admin',
] as const;
export type MailboxRole = (typeof ROLES)[number];

/**
 * 'change-status' (suspend, reactivate, close) is ours: the §5 table has no row for it. Only
 * the operator's administrators hold it, on every type, because suspending or closing is an
 * operational decision (end of contract, abuse, holder gone from the directory). A CAB owner
 * ends a CAB with 'delete'; a PER holder asks the operator.
 *
 * 'edit-publication' (liste rouge, description, service, dématérialisation) and 'read-history'
 * are ours too: the §5 table is silent. They belong to whoever answers for the mailbox — the
 * PER holder, the ORG/APP responsible persons, the CAB owner — and to the operator's
 * administrators; never to cotitulaires or delegates, who use the mailbox but do not govern it.
 *
 * 'create' is asked before the mailbox exists, for the role the principal would have on it: a
 * person creates their own PER (holder) or CAB (owner, R-CAB-1); the operator's administrators
 * create every type (ORG/APP only by them, since a structure has no login of its own).
 *
 * 'manage-local-persons' is the ORG responsible persons' declaration of the structure's own staff
 * (issue #20 rule 6: in a FINESS structure RPPS+ is not mandatory, the structure authenticates
 * its staff through its own identity provider). Nobody else holds it, not even the operator.
 *
 * 'change-attachment' moves a PER or CAB to another of its holder's situations d'exercice in the
 * directory (R-ANN-1): "à l'initiative du propriétaire" (atelier #2), so the PER holder and the
 * CAB owner; ORG/APP are attached to their structure and move by a transfer.
 *
 * 'manage-responsibles' adds and removes the responsible persons of an ORG/APP over time: each
 * responsible person (atelier #1: "tout PS co-responsable peut gérer la liste des
 * co-responsables") and the operator's administrators, who named the first ones.
 *
 * 'release-address' frees a closed mailbox's address for another holder (R-BAL-2): the
 * operator's administrators only, the one action besides 'read-history' a closed mailbox allows.
 *
 * 'manage-groups': a CAB's owner keeps the practice's group addresses (lists that fan out to
 * the practice's own mailboxes; docs/choices.md).
 */
export const ACTIONS = [
  'read',
  'send',
  'organise',
  'manage-delegates',
  'manage-cotitulaires',
  'transfer-ownership',
  'delete',
  'appear-in-directory',
  'change-status',
  'edit-publication',
  'read-history',
  'create',
  'manage-local-persons',
  'change-attachment',
  'manage-responsibles',
  'release-address',
  'manage-groups',
] as const;
export type MailboxAction = (typeof ACTIONS)[number];

/** R-CAB-5, R-DEL-3: everyone who has a mailbox role for mail has exactly these. */
export const READ_SEND_ACTIONS = ['read', 'send', 'organise'] as const satisfies readonly MailboxAction[];

const MAIL = READ_SEND_ACTIONS;
const GOVERN = ['edit-publication', 'read-history'] as const;

/**
 * For each role, the mailbox types it exists on and what it may do there. A type missing
 * under a role means the role does not exist for that type (holder of an ORG, owner of a PER,
 * delegate of an APP…), so it may do nothing.
 *
 * - responsible on ORG/APP does not 'appear-in-directory': the structure is published, not
 *   the person; and has no 'manage-delegates' on APP, which is not delegable (R-DEL-1).
 * - cotitulaires manage delegates (R-DEL-2) but not cotitulaires (R-CAB-3, owner only).
 * - operator-admin never reads or sends mail (least privilege); on ORG/APP it transfers and
 *   deletes, as the table says, since there is no individual owner to do it.
 * - application is the software of an APP mailbox, authenticated by its certificate rather than
 *   a person's token (§5, our choice: SASL EXTERNAL over mutual TLS): it reads and sends, and
 *   exists on APP mailboxes only; it governs nothing.
 * - local-person is a member of a structure's staff, declared on one ORG mailbox by its
 *   responsible persons and authenticated by the structure's own identity provider, not PSC: it
 *   reads and sends like a delegate (R-DEL-3), exists on ORG mailboxes only, and governs nothing.
 */
export const ROLE_TABLE: Readonly<Record<MailboxRole, Readonly<Partial<Record<MailboxType, readonly MailboxAction[]>>>>> = {
  holder: {
    PER: [...MAIL, 'manage-delegates', 'appear-in-directory', ...GOVERN, 'create', 'change-attachment'],
  },
  responsible: {
    ORG: [...MAIL, 'manage-delegates', 'manage-local-persons', ...GOVERN, 'manage-responsibles'],
    APP: [...MAIL, ...GOVERN, 'manage-responsibles'],
  },
  owner: {
    CAB: [
      ...MAIL,
      'manage-delegates',
      'manage-cotitulaires',
      'transfer-ownership',
      'delete',
      'appear-in-directory',
      ...GOVERN,
      'create',
      'change-attachment',
      'manage-groups',
    ],
  },
  cotitulaire: {
    CAB: [...MAIL, 'manage-delegates'],
  },
  delegate: {
    PER: [...MAIL],
    ORG: [...MAIL],
    CAB: [...MAIL],
  },
  application: {
    APP: [...MAIL],
  },
  'local-person': {
    ORG: [...MAIL],
  },
  'operator-admin': {
    PER: ['change-status', ...GOVERN, 'create', 'release-address'],
    ORG: ['transfer-ownership', 'delete', 'change-status', ...GOVERN, 'create', 'manage-responsibles', 'release-address'],
    APP: ['transfer-ownership', 'delete', 'change-status', ...GOVERN, 'create', 'manage-responsibles', 'release-address'],
    CAB: ['change-status', ...GOVERN, 'create', 'release-address'],
  },
};

/**
 * Actions on the operator as a whole rather than on one mailbox, decided and audited the same
 * way. Publishing a CGU version binds every user (R-CAB-4): only the operator's administrators.
 * Listing every mailbox and reading the audit trail reveal every mailbox and who used it: only
 * the operator's administrators too (our choice; the reference is silent), and each reading is
 * itself audited. The Ségur indicators (R-IND-1): the administrators read every row of the
 * operator (`read-indicators`); a person reads the rows counted for them (`read-own-indicators`).
 */
export const OPERATOR_ACTIONS = [
  'publish-cgu',
  'list-mailboxes',
  'read-audit',
  'read-indicators',
  'read-own-indicators',
  'read-directory-sync',
] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];
export type OperatorActor = 'operator-admin' | 'person';

export const OPERATOR_TABLE: Readonly<Record<OperatorActor, readonly OperatorAction[]>> = {
  'operator-admin': ['publish-cgu', 'list-mailboxes', 'read-audit', 'read-indicators', 'read-directory-sync'],
  person: ['read-own-indicators'],
};

export function mayOperate(actor: OperatorActor, action: OperatorAction): boolean {
  return OPERATOR_TABLE[actor].includes(action);
}

/** What may still be done on a closed mailbox (R-BAL-2: closed is final): read its history, release its address. */
export const ACTIONS_ON_CLOSED: readonly MailboxAction[] = ['read-history', 'release-address'];

export function may(role: MailboxRole, action: MailboxAction, type: MailboxType): boolean {
  return ROLE_TABLE[role]?.[type]?.includes(action) ?? false;
}

/** The roles that exist on a mailbox type (whatever they may do). */
export function rolesForType(type: MailboxType): MailboxRole[] {
  return ROLES.filter((role) => ROLE_TABLE[role][type] !== undefined);
}

export function isMailboxRole(value: unknown): value is MailboxRole {
  return (ROLES as readonly unknown[]).includes(value);
}

export function isMailboxAction(value: unknown): value is MailboxAction {
  return (ACTIONS as readonly unknown[]).includes(value);
}
