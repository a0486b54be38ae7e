// R-BAL-3 and R-ANN-2: what the directory interfaces (LDAP, FHIR, extraction) may return.

import type { MailboxStatus } from './lifecycle.ts';
import type { MailboxType } from './types.ts';

export type PublicationFacts = { type: MailboxType; listeRouge: boolean; status: MailboxStatus };

/**
 * Every type is publishable (APP too, our choice); a mailbox on liste rouge, suspended or
 * closed never is. Where a CAB is shown (its owner's record) is the directory's business.
 */
export function isPublished(mailbox: PublicationFacts): boolean {
  return mailbox.status === 'active' && !mailbox.listeRouge;
}
