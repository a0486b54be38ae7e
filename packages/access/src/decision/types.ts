import type { MailboxAction, MailboxRole, MailboxType, OperatorAction } from '@mss/domain';
import type { MailboxScope } from '@mss/store';

/** Where the request came from; recorded with every decision. */
export type Channel = 'imap' | 'smtp' | 'webmail' | 'jmap' | 'admin-api' | 'cli' | 'ldap' | 'system';

/**
 * Who acts: a person known by IdNat (from a PSC token), the operator's administrator, the
 * software of an APP mailbox known by its client certificate (serial, and the one mailbox the
 * certificate names), checked by the certificate validator before it gets here, or a member of a
 * structure's staff authenticated by that structure's own identity provider (issue #20 rule 6):
 * `idnat` is `3` + FINESS + `/` + the identifier the structure gives them, `finess` is the
 * structure the operator trusts `issuer` for — from the operator's configuration, never from the
 * token.
 */
export type Principal =
  | { kind: 'person'; idnat: string }
  | { kind: 'operator-admin'; name: string }
  | { kind: 'application'; serial: string; mailbox: string }
  | LocalPrincipal;

export type LocalPrincipal = { kind: 'local-person'; idnat: string; finess: string; issuer: string };

/** Principals that are not a PSC person, whose sessions the guard must re-decide as themselves. */
export type SessionPrincipal = Extract<Principal, { kind: 'application' }> | LocalPrincipal;

export interface DecisionRequest {
  principal: Principal;
  /** The mailbox address named by the client (`user=` of XOAUTH2, the API path…). */
  mailbox: string;
  action: MailboxAction;
  channel: Channel;
  clientId?: string | null;
}

/** Stable reason codes; protocols map them to their own replies (never with more detail than this). */
export type DenyReason =
  | 'invalid-token'
  | 'unknown-mailbox'
  | 'mailbox-closed'
  | 'mailbox-suspended'
  | 'no-right'
  | 'action-not-allowed'
  | 'cgu-not-accepted';

/**
 * An allowed decision carries the capability it grants: `scope`, the repositories of that one
 * mailbox (bound to the store, or to the transaction the decision was read in). A refusal says
 * why in a stable code; `mailboxType` only when the principal has a role there (they know it).
 */
export type Decision =
  | { allowed: true; role: MailboxRole; mailboxId: number; mailboxType: MailboxType; address: string; scope: MailboxScope }
  | { allowed: false; reason: DenyReason; detail: string; cguUrl?: string; mailboxId?: number; mailboxType?: MailboxType };

/** May the principal create a mailbox of this type for this owner (the 'create' row of the role table)? */
export interface CreationRequest {
  principal: Principal;
  mailbox: string;
  type: MailboxType;
  /** The future PER holder or CAB owner (a person's IdNat); null for ORG/APP. */
  ownerIdnat: string | null;
  channel: Channel;
  clientId?: string | null;
}

/** An action on the operator as a whole (OPERATOR_TABLE), not on one mailbox. */
export interface OperatorRequest {
  principal: Principal;
  action: OperatorAction;
  channel: Channel;
  clientId?: string | null;
}

/**
 * The answer to a creation or operator-wide request: no mailbox exists yet, so no capability.
 * `cgu-not-accepted`: the future CAB owner has not accepted the CGU in force (R-CAB-1).
 */
export type PlainDecision =
  | { allowed: true; role: MailboxRole }
  | { allowed: false; reason: 'no-right' | 'action-not-allowed'; detail: string }
  | { allowed: false; reason: 'cgu-not-accepted'; detail: string; cguUrl: string };

/**
 * Which Ségur indicator rows (R-IND-1) a principal may read: every row of the operator (its
 * administrators, `only` null), or only the rows counted for one person (`only` their IdNat).
 */
export type IndicatorDecision =
  | { allowed: true; role: 'operator-admin' | 'self'; only: string | null }
  | { allowed: false; reason: 'action-not-allowed'; detail: string };
