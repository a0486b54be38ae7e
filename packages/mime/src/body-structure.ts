// BODY and BODYSTRUCTURE (RFC 3501 §7.4.2). Choices where the RFC leaves room:
// - type, subtype, encoding, disposition type and parameter names are upper-cased, as in the
//   RFC's examples (and UW/Cyrus); parameter values are as written;
// - a text part without parameters gets ("CHARSET" "US-ASCII"), its RFC 2045 default;
// - RFC 2231 parameters go merged but still encoded (`FILENAME*` `UTF-8''…`), like Dovecot:
//   IMAP strings carry no charset, clients that know RFC 2231 decode them;
// - a multipart with no parts (no boundary, none found, past a limit) is written with one empty
//   text/plain part, since the grammar needs at least one, as Dovecot does.

import { headerText } from './bytes.ts';
import { EMPTY_ENVELOPE, envelope } from './envelope.ts';
import type { BodyParams, BodyStructure, MultipartBody, SinglePartBody } from './imap-types.ts';
import type { MimeNode, WireParam } from './types.ts';

const DEFAULT_TEXT_PARAMS: BodyParams = [['CHARSET', 'US-ASCII']];

function wire(params: readonly WireParam[]): BodyParams {
  return params.map(([name, value]) => [name.toUpperCase(), headerText(value)] as const);
}

function extension(node: MimeNode): Pick<SinglePartBody, 'disposition' | 'language' | 'location'> {
  const d = node.disposition;
  return {
    disposition: d ? { type: d.type.toUpperCase(), params: wire(d.wireParams) } : null,
    language: node.language,
    location: node.location === null ? null : headerText(node.location),
  };
}

function emptyText(extended: boolean): SinglePartBody {
  const base: SinglePartBody = {
    type: 'TEXT',
    subtype: 'PLAIN',
    params: DEFAULT_TEXT_PARAMS,
    id: null,
    description: null,
    encoding: '7BIT',
    size: 0,
    lines: 0,
  };
  return extended ? { ...base, md5: null, disposition: null, language: null, location: null } : base;
}

function multipart(node: MimeNode, extended: boolean): MultipartBody {
  const parts = node.children.length > 0 ? node.children.map((c) => bodyStructure(c, extended)) : [emptyText(extended)];
  const base: MultipartBody = {
    multipart: true,
    subtype: node.contentType.subtype.toUpperCase(),
    parts,
    params: wire(node.contentType.wireParams),
  };
  return extended ? { ...base, ...extension(node) } : base;
}

function singlePart(node: MimeNode, extended: boolean): SinglePartBody {
  const type = node.contentType.type.toUpperCase();
  const params = wire(node.contentType.wireParams);
  let base: SinglePartBody = {
    type,
    subtype: node.contentType.subtype.toUpperCase(),
    params: params.length === 0 && type === 'TEXT' ? DEFAULT_TEXT_PARAMS : params,
    id: node.id === null ? null : headerText(node.id),
    description: node.description === null ? null : headerText(node.description),
    encoding: node.encoding.toUpperCase(),
    size: node.bodyEnd - node.bodyStart,
  };
  if (node.kind === 'message') {
    const inner = node.message;
    base = {
      ...base,
      envelope: inner ? envelope(inner) : EMPTY_ENVELOPE,
      body: inner ? bodyStructure(inner, extended) : emptyText(extended),
      lines: node.lines,
    };
  } else if (type === 'TEXT') {
    base = { ...base, lines: node.lines };
  }
  if (!extended) return base;
  return { ...base, md5: node.md5 === null ? null : headerText(node.md5), ...extension(node) };
}

/** BODYSTRUCTURE when `extended`, BODY otherwise, of the part `node` (the root for a message). */
export function bodyStructure(node: MimeNode, extended: boolean): BodyStructure {
  return node.kind === 'multipart' ? multipart(node, extended) : singlePart(node, extended);
}
