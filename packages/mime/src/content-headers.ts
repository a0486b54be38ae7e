// The Content-* fields of one part (RFC 2045, 2183, 3282, 1864, 2557), read once when the part is
// parsed. The first occurrence of a field counts, as in Dovecot.

import { cleanValue, unfold } from './bytes.ts';
import { param, resolveParams } from './params.ts';
import { firstToken, parseContentTypeValue, parseDispositionValue, stripComments } from './structured.ts';
import type { ContentDisposition, ContentHeaders, ContentType, Defect, HeaderField } from './types.ts';

/** RFC 2046 §5.1.1 caps boundaries at 70 characters; allow some slack, not a megabyte. */
const MAX_BOUNDARY = 998;

export function firstField(fields: readonly HeaderField[], key: string): HeaderField | null {
  for (const f of fields) if (f.key === key) return f;
  return null;
}

function text(fields: readonly HeaderField[], key: string): string | null {
  const f = firstField(fields, key);
  if (!f) return null;
  const v = cleanValue(f.value);
  return v === '' ? null : v;
}

function defaultType(type: string): ContentType {
  const [t = 'text', s = 'plain'] = type.split('/');
  return { type: t, subtype: s, params: [], wireParams: [], explicit: false };
}

function contentType(field: HeaderField | null, fallback: string, defects: Defect[]): ContentType {
  if (!field) return defaultType(fallback);
  const parsed = parseContentTypeValue(unfold(field.value));
  const { params, wireParams } = resolveParams(parsed.params);
  const slash = parsed.main.indexOf('/');
  if (slash < 0) {
    // RFC 2045 §5.2: an unusable type is text/plain; its parameters (a charset) may still help.
    defects.push('invalid-content-type');
    return { type: 'text', subtype: 'plain', params, wireParams, explicit: false };
  }
  return { type: parsed.main.slice(0, slash), subtype: parsed.main.slice(slash + 1), params, wireParams, explicit: true };
}

function disposition(field: HeaderField | null): ContentDisposition | null {
  if (!field) return null;
  const parsed = parseDispositionValue(unfold(field.value));
  if (!parsed.main) return null;
  const { params, wireParams } = resolveParams(parsed.params);
  return { type: parsed.main, params, wireParams };
}

function language(fields: readonly HeaderField[]): readonly string[] | null {
  const f = firstField(fields, 'content-language');
  if (!f) return null;
  const tags = stripComments(unfold(f.value))
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  return tags.length > 0 ? tags : null;
}

/** `fallback` is `text/plain`, or `message/rfc822` inside multipart/digest (RFC 2046 §5.1.5). */
export function readContentHeaders(fields: readonly HeaderField[], fallback: string): ContentHeaders {
  const defects: Defect[] = [];
  const encodingField = firstField(fields, 'content-transfer-encoding');
  const encoding = (encodingField ? firstToken(unfold(encodingField.value)) : '').toLowerCase() || '7bit';
  return {
    contentType: contentType(firstField(fields, 'content-type'), fallback, defects),
    encoding,
    id: text(fields, 'content-id'),
    description: text(fields, 'content-description'),
    location: text(fields, 'content-location'),
    md5: text(fields, 'content-md5'),
    disposition: disposition(firstField(fields, 'content-disposition')),
    language: language(fields),
    defects,
  };
}

/** The boundary's bytes (latin1), or null when absent, empty or absurdly long. */
export function boundaryOf(type: ContentType): string | null {
  const b = param(type.params, 'boundary')?.raw ?? '';
  return b.length > 0 && b.length <= MAX_BOUNDARY ? b : null;
}
