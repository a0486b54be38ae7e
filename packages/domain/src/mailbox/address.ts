// Which addresses an operator may give a mailbox of a given type.
//
// R-CAB-2 says a CAB's local part starts with `cabinet.`. We apply it both ways (our
// choice): no other type may start with `cabinet.`, so the prefix alone tells a CAB from an
// ORG in any listing. The prefix is matched case-insensitively, like local parts (R-BAL-1).
// That the rest names the practice and not a person cannot be checked by code.
//
// Patient addresses (<INS>@patient.mssante.fr) belong to Mon Espace Santé, never to an
// operator's mailbox.

import { type Check, fail } from '../identifiers/errors.ts';
import { type MssAddress, PATIENT_DOMAIN, checkMssAddress } from '../identifiers/mss-address.ts';
import type { MailboxType } from './types.ts';

export const CAB_PREFIX = 'cabinet.';

export type MailboxAddressOptions = { operatorDomains: readonly string[]; field?: string };

export function checkMailboxAddressForType(type: MailboxType, address: string, opts: MailboxAddressOptions): Check<MssAddress> {
  const field = opts.field ?? `${type} mailbox address`;
  // Syntax first, operator domains last, so that a patient address gets its own message.
  const parsed = checkMssAddress(address, { field });
  if (!parsed.ok) return parsed;
  const a = parsed.value;
  if (a.patient) {
    return fail(field, a.address, 'patient-domain', `${PATIENT_DOMAIN} is reserved for patients (Mon Espace Santé)`);
  }
  const startsCab = a.local.toLowerCase().startsWith(CAB_PREFIX);
  if (type === 'CAB' && !startsCab) {
    return fail(
      field,
      a.address,
      'R-CAB-2',
      `a CAB local part must start with "${CAB_PREFIX}" followed by the practice's name, e.g. cabinet.infirmier-des-lilas (R-CAB-2)`,
    );
  }
  if (type !== 'CAB' && startsCab) {
    return fail(field, a.address, 'R-CAB-2', `only CAB mailboxes may start with "${CAB_PREFIX}" (R-CAB-2)`);
  }
  return checkMssAddress(address, { field, operatorDomains: opts.operatorDomains });
}
