// The four MSSanté mailbox (BAL) types (§3) and the facts that depend only on the type.

export const MAILBOX_TYPES = ['PER', 'ORG', 'APP', 'CAB'] as const;
export type MailboxType = (typeof MAILBOX_TYPES)[number];

export function isMailboxType(value: unknown): value is MailboxType {
  return (MAILBOX_TYPES as readonly unknown[]).includes(value);
}

/**
 * Whose IdNat a mailbox is attached to in the directory: a person for PER and CAB (the CAB
 * is held by its owner, R-CAB-1), a structure for ORG and APP.
 */
export const HOLDER_ID_KIND: Readonly<Record<MailboxType, 'person' | 'structure'>> = {
  PER: 'person',
  ORG: 'structure',
  APP: 'structure',
  CAB: 'person',
};

export function holderIdKind(type: MailboxType): 'person' | 'structure' {
  return HOLDER_ID_KIND[type];
}

/**
 * R-DEL-1: PER, ORG and CAB may be delegated. APP is not (our choice): it is driven by
 * software, not read by a person who could need a locum or a secretary.
 */
export const DELEGABLE_TYPES: readonly MailboxType[] = ['PER', 'ORG', 'CAB'];

export function isDelegable(type: MailboxType): boolean {
  return DELEGABLE_TYPES.includes(type);
}
