// LDAPMessage (RFC 4511 §4.1.1) for the operations this read-only server serves: requests are
// decoded, responses encoded. Structural defects throw BerError (the session cannot continue,
// §4.1.1 asks for a Notice of Disconnection); a well-formed request we cannot accept decodes to
// `{ type: 'invalid' }` so that only that operation fails.

import { applicationTag, BerError, type BerLimits, BerReader, BerWriter, contextTag, defaultBerLimits, Tag } from './ber.ts';
import { decodeFilter, defaultFilterLimits, FilterError, type FilterLimits, type FilterNode } from './filter.ts';
import { type LdapResult, ResultCode } from './result-codes.ts';
import type { Scope } from './dn.ts';

export const MAX_INT = 2147483647;

export const OID = {
  noticeOfDisconnection: '1.3.6.1.4.1.1466.20036',
  startTls: '1.3.6.1.4.1.1466.20037',
  whoAmI: '1.3.6.1.4.1.4203.1.11.3',
  manageDsaIt: '2.16.840.1.113730.3.4.2',
} as const;

export const OpTag = {
  bindRequest: applicationTag(0, true),
  bindResponse: applicationTag(1, true),
  unbindRequest: applicationTag(2, false),
  searchRequest: applicationTag(3, true),
  searchResultEntry: applicationTag(4, true),
  searchResultDone: applicationTag(5, true),
  modifyRequest: applicationTag(6, true),
  modifyResponse: applicationTag(7, true),
  addRequest: applicationTag(8, true),
  addResponse: applicationTag(9, true),
  delRequest: applicationTag(10, false),
  delResponse: applicationTag(11, true),
  modifyDnRequest: applicationTag(12, true),
  modifyDnResponse: applicationTag(13, true),
  compareRequest: applicationTag(14, true),
  compareResponse: applicationTag(15, true),
  abandonRequest: applicationTag(16, false),
  extendedRequest: applicationTag(23, true),
  extendedResponse: applicationTag(24, true),
} as const;

const AuthTag = { simple: contextTag(0, false), sasl: contextTag(3, true) } as const;
const ExtendedTag = {
  requestName: contextTag(0, false),
  requestValue: contextTag(1, false),
  responseName: contextTag(10, false),
  responseValue: contextTag(11, false),
} as const;
const CONTROLS_TAG = contextTag(0, true);

export interface Control {
  type: string;
  critical: boolean;
  value?: Buffer;
}

export type BindAuthentication = { method: 'simple'; password: Buffer } | { method: 'sasl'; mechanism: string };

export interface SearchRequest {
  type: 'search';
  baseObject: string;
  scope: Scope;
  derefAliases: number;
  sizeLimit: number;
  timeLimit: number;
  typesOnly: boolean;
  filter: FilterNode;
  attributes: string[];
}

export type LdapRequest =
  | { type: 'bind'; version: number; name: string; authentication: BindAuthentication }
  | { type: 'unbind' }
  | SearchRequest
  | { type: 'abandon'; messageId: number }
  | { type: 'extended'; name: string; value?: Buffer }
  /** An update operation: decoded only far enough to answer it with its own response type. */
  | { type: 'update'; operation: string; responseTag: number }
  /** A well-formed request we refuse as a whole, answered with `responseTag`. */
  | { type: 'invalid'; operation: string; responseTag: number; resultCode: number; diagnosticMessage: string };

export interface LdapMessage {
  messageId: number;
  request: LdapRequest;
  controls: Control[];
}

export interface DecodeLimits {
  ber: BerLimits;
  filter: FilterLimits;
}

export const defaultDecodeLimits: DecodeLimits = { ber: defaultBerLimits, filter: defaultFilterLimits };

const UPDATE_OPERATIONS: ReadonlyMap<number, { operation: string; responseTag: number }> = new Map([
  [OpTag.modifyRequest, { operation: 'modify', responseTag: OpTag.modifyResponse }],
  [OpTag.addRequest, { operation: 'add', responseTag: OpTag.addResponse }],
  [OpTag.delRequest, { operation: 'delete', responseTag: OpTag.delResponse }],
  [OpTag.modifyDnRequest, { operation: 'modifyDN', responseTag: OpTag.modifyDnResponse }],
  [OpTag.compareRequest, { operation: 'compare', responseTag: OpTag.compareResponse }],
]);

const SCOPES: readonly Scope[] = ['base', 'one', 'sub'];

/** Decodes one complete LDAPMessage (as cut by the framer). */
export function decodeMessage(bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits): LdapMessage {
  const outer = new BerReader(bytes, { limits: limits.ber });
  const message = outer.readConstructed(Tag.sequence);
  outer.expectEnd('the LDAPMessage');
  const messageId = message.readInteger();
  // messageID 0 is reserved for unsolicited notifications from the server (§4.1.1.1).
  if (messageId < 1 || messageId > MAX_INT) throw new BerError('bad-value', `messageID ${messageId} is out of range 1..${MAX_INT}`);
  const request = decodeRequest(message, limits);
  const controls = message.peekTag() === CONTROLS_TAG ? decodeControls(message.readConstructed(CONTROLS_TAG)) : [];
  return { messageId, request, controls };
}

function decodeRequest(message: BerReader, limits: DecodeLimits): LdapRequest {
  const tag = message.peekTag();
  switch (tag) {
    case OpTag.bindRequest:
      return decodeBind(message.readConstructed(tag));
    case OpTag.unbindRequest:
      message.readNull(tag);
      return { type: 'unbind' };
    case OpTag.searchRequest:
      return decodeSearch(message.readConstructed(tag), limits.filter);
    case OpTag.abandonRequest:
      return { type: 'abandon', messageId: message.readInteger(tag) };
    case OpTag.extendedRequest: {
      const body = message.readConstructed(tag);
      const name = body.readString(ExtendedTag.requestName);
      const value = body.peekTag() === ExtendedTag.requestValue ? body.readOctetString(ExtendedTag.requestValue) : undefined;
      return value === undefined ? { type: 'extended', name } : { type: 'extended', name, value };
    }
    default: {
      const update = UPDATE_OPERATIONS.get(tag);
      if (update === undefined) {
        throw new BerError(
          'unexpected-tag',
          tag < 0 ? 'an LDAPMessage without a protocolOp' : `0x${tag.toString(16)} is not a request this server knows`,
        );
      }
      message.skip();
      return { type: 'update', ...update };
    }
  }
}

function decodeBind(body: BerReader): LdapRequest {
  const version = body.readInteger();
  const name = body.readString();
  const tag = body.peekTag();
  if (tag === AuthTag.simple)
    return { type: 'bind', version, name, authentication: { method: 'simple', password: body.readOctetString(tag) } };
  if (tag === AuthTag.sasl) {
    const sasl = body.readConstructed(tag);
    return { type: 'bind', version, name, authentication: { method: 'sasl', mechanism: sasl.readString() } };
  }
  throw new BerError('unexpected-tag', `unknown bind authentication choice 0x${tag.toString(16)}`);
}

function invalidSearch(resultCode: number, diagnosticMessage: string): LdapRequest {
  return { type: 'invalid', operation: 'search', responseTag: OpTag.searchResultDone, resultCode, diagnosticMessage };
}

function decodeSearch(body: BerReader, filterLimits: FilterLimits): LdapRequest {
  const baseObject = body.readString();
  const scope = body.readEnumerated();
  const derefAliases = body.readEnumerated();
  const sizeLimit = body.readInteger();
  const timeLimit = body.readInteger();
  const typesOnly = body.readBoolean();
  let filter: FilterNode;
  try {
    filter = decodeFilter(body, filterLimits);
  } catch (err) {
    if (err instanceof FilterError) return invalidSearch(err.resultCode, err.message);
    throw err;
  }
  const list = body.readConstructed(Tag.sequence);
  const attributes: string[] = [];
  while (!list.done) attributes.push(list.readString());

  const scopeName = SCOPES[scope];
  if (scopeName === undefined) return invalidSearch(ResultCode.protocolError, `unsupported search scope ${scope}`);
  if (derefAliases < 0 || derefAliases > 3) return invalidSearch(ResultCode.protocolError, `invalid derefAliases ${derefAliases}`);
  if (sizeLimit < 0 || timeLimit < 0) return invalidSearch(ResultCode.protocolError, 'sizeLimit and timeLimit are not negative');
  return { type: 'search', baseObject, scope: scopeName, derefAliases, sizeLimit, timeLimit, typesOnly, filter, attributes };
}

function decodeControls(list: BerReader): Control[] {
  const controls: Control[] = [];
  while (!list.done) {
    const body = list.readConstructed(Tag.sequence);
    const type = body.readString();
    const critical = body.peekTag() === Tag.boolean ? body.readBoolean() : false;
    const value = body.peekTag() === Tag.octetString ? body.readOctetString() : undefined;
    controls.push(value === undefined ? { type, critical } : { type, critical, value });
  }
  return controls;
}

// ---- responses -------------------------------------------------------------------------------

function writeResultFields(writer: BerWriter, result: LdapResult): void {
  writer
    .writeEnumerated(result.resultCode)
    .writeOctetString(result.matchedDN ?? '')
    .writeOctetString(result.diagnosticMessage ?? '');
}

/** Any response that is just an LDAPResult under its own tag (BindResponse, SearchResultDone…). */
export function encodeResult(messageId: number, responseTag: number, result: LdapResult): Buffer {
  const writer = new BerWriter(64 + (result.diagnosticMessage?.length ?? 0) * 3);
  writer.startConstructed().writeInteger(messageId).startConstructed(responseTag);
  writeResultFields(writer, result);
  return writer.endConstructed().endConstructed().finish();
}

export function encodeBindResponse(messageId: number, result: LdapResult): Buffer {
  return encodeResult(messageId, OpTag.bindResponse, result);
}

export function encodeSearchResultDone(messageId: number, result: LdapResult): Buffer {
  return encodeResult(messageId, OpTag.searchResultDone, result);
}

/** Attribute name and values in the order they are sent; an empty list sends the type only. */
export type PartialAttribute = readonly [type: string, values: readonly string[]];

/**
 * SearchResultEntry, the message a search sends most of: the lengths are computed first, so it
 * is written in one pass into a buffer of its exact size (no length moved once a constructed
 * element outgrows the short form, no growing), and ASCII strings are copied without a call into
 * the UTF-8 encoder.
 */
export function encodeSearchResultEntry(messageId: number, dn: string, attributes: readonly PartialAttribute[]): Buffer {
  const dnLength = utf8Length(dn);
  let listLength = 0;
  // Per attribute: the type's byte length, its values' SET content length, and each value's.
  const sizes: number[] = [];
  for (const [type, values] of attributes) {
    const typeLength = utf8Length(type);
    let setLength = 0;
    const at = sizes.length;
    sizes.push(typeLength, 0);
    for (const value of values) {
      const n = utf8Length(value);
      sizes.push(n);
      setLength += tlvLength(n);
    }
    sizes[at + 1] = setLength;
    listLength += tlvLength(tlvLength(typeLength) + tlvLength(setLength));
  }
  const opLength = tlvLength(dnLength) + tlvLength(listLength);
  const idLength = integerLength(messageId);
  const messageLength = 2 + idLength + tlvLength(opLength);
  const out = Buffer.allocUnsafe(tlvLength(messageLength));
  let pos = header(out, 0, Tag.sequence, messageLength);
  out[pos++] = Tag.integer;
  out[pos++] = idLength;
  for (let i = idLength - 1; i >= 0; i--) out[pos++] = Math.floor(messageId / 256 ** i) & 0xff;
  pos = header(out, pos, OpTag.searchResultEntry, opLength);
  pos = header(out, pos, Tag.octetString, dnLength);
  pos = writeString(out, pos, dn, dnLength);
  pos = header(out, pos, Tag.sequence, listLength);
  let k = 0;
  for (const [type, values] of attributes) {
    const typeLength = sizes[k++]!;
    const setLength = sizes[k++]!;
    pos = header(out, pos, Tag.sequence, tlvLength(typeLength) + tlvLength(setLength));
    pos = header(out, pos, Tag.octetString, typeLength);
    pos = writeString(out, pos, type, typeLength);
    pos = header(out, pos, Tag.set, setLength);
    for (const value of values) {
      const n = sizes[k++]!;
      pos = header(out, pos, Tag.octetString, n);
      pos = writeString(out, pos, value, n);
    }
  }
  return out;
}

/** UTF-8 byte length; plain ASCII (most directory values) is counted without the encoder. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, 'utf8');
  return text.length;
}

function lengthOctets(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

/** Bytes of a tag-length-value with `n` content bytes. */
function tlvLength(n: number): number {
  return 1 + lengthOctets(n) + n;
}

/** Bytes of a non-negative INTEGER's content (two's complement, shortest form). */
function integerLength(value: number): number {
  let n = 1;
  while (value >= 2 ** (8 * n - 1)) n++;
  return n;
}

function header(out: Buffer, pos: number, tag: number, length: number): number {
  out[pos++] = tag;
  if (length < 0x80) {
    out[pos++] = length;
    return pos;
  }
  const count = lengthOctets(length) - 1;
  out[pos++] = 0x80 | count;
  for (let i = count - 1; i >= 0; i--) out[pos++] = Math.floor(length / 256 ** i) & 0xff;
  return pos;
}

function writeString(out: Buffer, pos: number, text: string, byteLength: number): number {
  if (byteLength === text.length && byteLength <= 64) {
    for (let i = 0; i < byteLength; i++) out[pos + i] = text.charCodeAt(i);
    return pos + byteLength;
  }
  return pos + out.write(text, pos, byteLength, 'utf8');
}

export interface ExtendedResult extends LdapResult {
  responseName?: string;
  responseValue?: string | Uint8Array;
}

export function encodeExtendedResponse(messageId: number, result: ExtendedResult): Buffer {
  const writer = new BerWriter(96);
  writer.startConstructed().writeInteger(messageId).startConstructed(OpTag.extendedResponse);
  writeResultFields(writer, result);
  if (result.responseName !== undefined) writer.writeOctetString(result.responseName, ExtendedTag.responseName);
  if (result.responseValue !== undefined) writer.writeOctetString(result.responseValue, ExtendedTag.responseValue);
  return writer.endConstructed().endConstructed().finish();
}

/** The unsolicited notification a server sends before closing a session (RFC 4511 §4.4.1). */
export function encodeNoticeOfDisconnection(resultCode: number, diagnosticMessage: string): Buffer {
  return encodeExtendedResponse(0, { resultCode, diagnosticMessage, responseName: OID.noticeOfDisconnection });
}
