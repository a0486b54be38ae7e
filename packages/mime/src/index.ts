// @mss/mime: MIME messages parsed into offsets, and the views IMAP and SMTP need. Pure: no I/O.

export { parseMessage } from './parser.ts';
export type {
  ContentDisposition,
  ContentType,
  Defect,
  HeaderField,
  MimeNode,
  MimeParam,
  NodeKind,
  ParseLimits,
  WireParam,
} from './types.ts';
export type {
  Address,
  AddressEntry,
  AddressGroup,
  BodyDisposition,
  BodyExtension,
  BodyParams,
  BodyStructure,
  Envelope,
  HeaderText,
  MultipartBody,
  SectionSpec,
  SectionText,
  SinglePartBody,
} from './imap-types.ts';
export * from './imap.ts';
export {
  type ParsedAddress,
  charset,
  decodeHeaderValue,
  decodeWords,
  decodedHeader,
  decodedHeaders,
  filename,
  headerAddresses,
  parseAddressList,
  rawHeaders,
  unfoldedHeader,
} from './headers.ts';
export { param } from './params.ts';
export {
  DEFAULT_SEARCH_CHARS,
  type SearchHeaderKey,
  type SearchHeaders,
  type SearchTextOptions,
  addressesForSearch,
  searchHeadersFromStored,
  headerTextForSearch,
  headerValuesForSearch,
  textForSearch,
} from './search.ts';
export { type MessageDate, parseMessageDate } from './date.ts';
export { type BaseSubject, baseSubject } from './base-subject.ts';
export { messageIds } from './message-ids.ts';
export { type ThreadKeys, threadKeys, threadSubject } from './thread-keys.ts';
export { type MssHeaders, type XdmAttachment, findXdmAttachments, mssHeaders } from './mssante.ts';
export { decodeBody, decodeText } from './content.ts';
export { findPart, walkParts, type NumberedPart, type PartNumber } from './parts.ts';
export {
  type QuotedPrintableOptions,
  decodeBase64,
  decodeQuotedPrintable,
  decodeTransfer,
  encodeBase64,
  encodeQuotedPrintable,
} from './transfer-encoding.ts';
export { decodeBytes } from './charset.ts';
export {
  type StoredAddress,
  type StoredEnvelope,
  type StoredGroup,
  type StoredMailbox,
  type StoredMessage,
  type StoredPart,
  bodyStructureOfStored,
  envelopeOfStored,
  storedEnvelope,
  storedMessage,
  storedPart,
} from './stored.ts';
export { type MessageData, type SearchHeaderValues, messageData, searchHeaderValues, sentDate } from './message-data.ts';
export { insertField } from './insert-field.ts';
