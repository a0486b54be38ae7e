// The IMAP views of a parsed message: ENVELOPE, BODY/BODYSTRUCTURE, BODY[section] and the
// RFC822.* items, in the shapes @mss/imap's encoder writes.

export { bodyStructure } from './body-structure.ts';
export { EMPTY_ENVELOPE, envelope } from './envelope.ts';
export { type NumberedPart, type PartNumber, findPart, numberedChildren, topLevelParts, walkParts } from './parts.ts';
export { headerFields, partial, rfc822Header, rfc822Size, rfc822Text, section } from './section.ts';
