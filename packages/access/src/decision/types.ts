import type { MailboxAction, MailboxRole, MailboxType } from '@mss/domain';

/** Where the request came from; recorded with every decision. */
export type Channel = 'imap' | 'smtp' | 'webmail' | 'admin-api' | 'cli' | 'ldap' | 'system';

/**
 * Who acts: a person known by IdNat (from a PSC token), the operator's administrator, or the
 * software of an APP mailbox known by its client certificate (serial, and the one mailbox the
 * certificate names), checked by the certificate validator before it gets here.
 */
export type Principal =
  | { kind: 'person'; idnat: string }
  | { kind: 'operator-admin'; name: string }
  | { kind: 'application'; serial: string; mailbox: string };

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

export type Decision =
  | { allowed: true; role: MailboxRole; mailboxId: number; mailboxType: MailboxType; address: string }
  | { allowed: false; reason: DenyReason; detail: string; cguUrl?: string; mailboxId?: number };
