// The identifier a mailbox's holder must present: a person's IdNat for PER and CAB, a
// structure's IdNat for ORG and APP (§3).

import type { Check } from '../identifiers/errors.ts';
import { type IdNatPerson, checkIdNatPerson } from '../identifiers/idnat-person.ts';
import { type IdNatStructure, checkIdNatStructure } from '../identifiers/idnat-structure.ts';
import { holderIdKind, type MailboxType } from './types.ts';

export function checkHolderIdNat(type: MailboxType, value: string, field?: string): Check<IdNatPerson> | Check<IdNatStructure> {
  return holderIdKind(type) === 'person' ? checkIdNatPerson(value, field) : checkIdNatStructure(value, field);
}
