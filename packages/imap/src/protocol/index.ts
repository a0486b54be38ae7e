// The IMAP protocol layer: framing, command parsing, response encoding. No sockets, no storage.

export type * from './ast.ts';
export { MailboxNameError, ParseError } from './errors.ts';
export {
  DEFAULT_FRAMER_LIMITS,
  type FramedCommand,
  type FramedLiteral,
  Framer,
  type FramerEvent,
  type FramerLimits,
} from './framer.ts';
export { parseCommand } from './parser.ts';
export { isIdleDone, parseSaslResponse, type SaslResponse } from './continuation-lines.ts';
export {
  MAX_UINT32,
  NumberSet,
  type SeqNumber,
  type SequenceRange,
  type SequenceSet,
  compactSequenceSet,
  formatSequenceSet,
  parseSequenceSet,
  resolveSequenceSet,
} from './sequence-set.ts';
export { decodeMailboxName, encodeMailboxName } from './mutf7.ts';
export {
  type CalendarDate,
  type ImapDateTime,
  formatDateTime,
  formatSearchDate,
  parseDateTime,
  parseSearchDate,
} from './datetime.ts';
export {
  type EncodedCode,
  type ImapToken,
  type ImapValue,
  type Status,
  type UntaggedStatus,
  astring,
  atom,
  concat,
  continuation,
  continuationBase64,
  encodeValue,
  fetchResponse,
  literal,
  mailboxName,
  nstr,
  raw,
  encoded,
  str,
  tagged,
  untagged,
  untaggedStatus,
} from './encoder.ts';
export { type SimpleCode, code } from './response-codes.ts';
export { fetchItemResponseName, formatSection } from './fetch-names.ts';
export {
  type Address,
  type AddressEntry,
  type AddressGroup,
  type BodyDisposition,
  type BodyParams,
  type BodyStructure,
  type Envelope,
  type HeaderText,
  type MultipartBody,
  type SinglePartBody,
  bodyStructureValue,
  envelopeValue,
} from './message-structure.ts';
export {
  type EsearchResult,
  type ThreadNode,
  esearchResponse,
  searchResponse,
  sortResponse,
  threadResponse,
} from './search-responses.ts';
export { BASE_CAPABILITIES, type CapabilityState, capabilityList, capabilityString } from './capabilities.ts';
