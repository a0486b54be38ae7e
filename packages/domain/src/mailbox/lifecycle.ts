// R-BAL-2: a mailbox is created active, may be suspended and reactivated, and ends closed.
// Closed is final: the history stays and the address is only ever reused after an explicit,
// audited release, which is not a status change.

export const MAILBOX_STATUSES = ['active', 'suspended', 'closed'] as const;
export type MailboxStatus = (typeof MAILBOX_STATUSES)[number];

/** Creation is the move from nothing to this status. */
export const INITIAL_MAILBOX_STATUS: MailboxStatus = 'active';

/**
 * Allowed moves. A suspended mailbox may be closed without being reactivated first: forcing
 * a mailbox back into service just to close it would deliver mail nobody reads.
 */
export const MAILBOX_TRANSITIONS: Readonly<Record<MailboxStatus, readonly MailboxStatus[]>> = {
  active: ['suspended', 'closed'],
  suspended: ['active', 'closed'],
  closed: [],
};

export function isMailboxStatus(value: unknown): value is MailboxStatus {
  return (MAILBOX_STATUSES as readonly unknown[]).includes(value);
}

/** Staying in the same status is not a transition (so it is refused, not silently audited). */
export function canTransition(from: MailboxStatus, to: MailboxStatus): boolean {
  return MAILBOX_TRANSITIONS[from]?.includes(to) ?? false;
}
