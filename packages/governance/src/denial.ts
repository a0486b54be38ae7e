// How a refused decision reads in the domain's words (docs/choices.md, "Order of checks").

import { isDelegable, type MailboxAction } from '@mss/domain';
import type { Decision } from '@mss/access';
import { GovernanceError } from './errors.ts';

type Denied = Extract<Decision, { allowed: false }>;

/**
 * A refusal in the domain's words. Whoever holds no role on the mailbox gets exactly what an
 * unknown address gets (decide, then reveal); only those with a role learn its status, or that
 * its type rules the action out (not a CAB, not delegable), since they can see the mailbox.
 */
export function denial(d: Denied, address: string, action: MailboxAction): GovernanceError {
  switch (d.reason) {
    case 'unknown-mailbox':
    case 'no-right':
    case 'invalid-token':
      return new GovernanceError('mailbox-not-found', `no mailbox ${address} at this operator`);
    case 'mailbox-closed':
      return new GovernanceError('mailbox-closed', `mailbox ${address} is closed (R-BAL-2: closed is final)`);
    case 'mailbox-suspended':
      return new GovernanceError('mailbox-suspended', `mailbox ${address} is suspended`);
    case 'cgu-not-accepted':
      return new GovernanceError('cgu-not-accepted', `accept the operator's terms of use first: ${d.cguUrl}`, { acceptUrl: d.cguUrl });
    case 'action-not-allowed':
      if (action === 'manage-cotitulaires' && d.mailboxType && d.mailboxType !== 'CAB') {
        return new GovernanceError(
          'not-a-cab',
          `${address} is a ${d.mailboxType} mailbox: cotitulaires exist only on CAB mailboxes (R-CAB-3)`,
        );
      }
      if (action === 'manage-local-persons' && d.mailboxType && d.mailboxType !== 'ORG') {
        return new GovernanceError(
          'not-an-org',
          `${address} is a ${d.mailboxType} mailbox: a structure's own staff are declared on its ORG mailboxes only`,
        );
      }
      if (action === 'change-attachment' && (d.mailboxType === 'ORG' || d.mailboxType === 'APP')) {
        return new GovernanceError(
          'attached-to-structure',
          `${address} is an ${d.mailboxType} mailbox: it is attached to its structure, not to a situation d'exercice (R-ANN-1); the operator moves it with a transfer`,
        );
      }
      if (action === 'manage-responsibles' && (d.mailboxType === 'PER' || d.mailboxType === 'CAB')) {
        return new GovernanceError(
          'not-a-structure-mailbox',
          `${address} is a ${d.mailboxType} mailbox: responsible persons exist only on ORG and APP mailboxes (§3)`,
        );
      }
      if (action === 'manage-groups' && d.mailboxType && d.mailboxType !== 'CAB') {
        return new GovernanceError('not-a-cab', `${address} is a ${d.mailboxType} mailbox: group addresses belong to a practice's CAB`);
      }
      if (action === 'manage-delegates' && d.mailboxType && !isDelegable(d.mailboxType)) {
        return new GovernanceError('not-delegable', `${d.mailboxType} mailboxes cannot be delegated (R-DEL-1)`);
      }
      return new GovernanceError('forbidden', `not allowed to ${action} on ${address}`, { reason: d.reason });
  }
}
