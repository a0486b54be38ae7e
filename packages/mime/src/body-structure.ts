// BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) of a parsed part: its stored (neutral) form, written as
// IMAP wants it by `bodyStructureOfStored` (stored.ts), which holds the choices made where the
// RFC leaves room.

import { bodyStructureOfStored, storedPart } from './stored.ts';
import type { BodyStructure } from './imap-types.ts';
import type { MimeNode } from './types.ts';

/** BODYSTRUCTURE when `extended`, BODY otherwise, of the part `node` (the root for a message). */
export function bodyStructure(node: MimeNode, extended: boolean): BodyStructure {
  return bodyStructureOfStored(storedPart(node), extended);
}
