// Server responses as bytes (RFC 3501 §7, §9). Values are built with the constructors below,
// which say which grammar production a value belongs to, so the encoder can pick the right
// form: an `astring` may be an atom, an `nstring` may be NIL, a `string` is quoted when safe and
// a literal otherwise. Plain JS strings are not values on purpose: data from a message or a
// client must never be written as an atom by accident.

import { ASTRING, ATOM, allChars } from './chars.ts';
import { encodeMailboxName } from './mutf7.ts';

export type ImapToken =
  | { readonly kind: 'atom'; readonly value: string }
  | { readonly kind: 'astring'; readonly value: string }
  | { readonly kind: 'string'; readonly value: string | Buffer }
  | { readonly kind: 'literal'; readonly value: Buffer }
  | { readonly kind: 'raw'; readonly value: string }
  /** Bytes already encoded by this encoder (a cached ENVELOPE), written as they are. */
  | { readonly kind: 'encoded'; readonly value: Buffer }
  /** Values written one after the other without spaces (a multipart body's parts). */
  | { readonly kind: 'concat'; readonly items: readonly ImapValue[] };

/** null is NIL, numbers are numbers, arrays are parenthesised lists. */
export type ImapValue = ImapToken | number | bigint | null | readonly ImapValue[];

const FLAG = /^\\?[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;
/** Longer strings go as literals: easier on clients, and no escaping to get wrong. */
const MAX_QUOTED = 1024;

/** A keyword of the protocol (`FLAGS`, `EXISTS`) or a flag (`\Seen`, `$Forwarded`, `\*`). */
export function atom(value: string): ImapToken {
  if (!allChars(value, ATOM) && !FLAG.test(value) && value !== '\\*') {
    throw new TypeError(`not an IMAP atom: ${JSON.stringify(value)}`);
  }
  return { kind: 'atom', value };
}

export function astring(value: string): ImapToken {
  return { kind: 'astring', value };
}

/** `string`: quoted, or a literal when it holds CR, LF, NUL, 8-bit or is long. */
export function str(value: string | Buffer): ImapToken {
  return { kind: 'string', value };
}

/** `nstring`: NIL for null. */
export function nstr(value: string | Buffer | null | undefined): ImapValue {
  return value === null || value === undefined ? null : str(value);
}

export function literal(value: Buffer | string): ImapToken {
  return { kind: 'literal', value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value };
}

/** Already formatted protocol text, e.g. a fetch item name `BODY[HEADER]<0>`. Never client data. */
export function raw(value: string): ImapToken {
  return { kind: 'raw', value };
}

/** Bytes `encodeValue` produced earlier, e.g. kept in a cache. Never client data. */
export function encoded(value: Buffer): ImapToken {
  return { kind: 'encoded', value };
}

export function concat(items: readonly ImapValue[]): ImapToken {
  return { kind: 'concat', items };
}

/** A mailbox name (Unicode) as the `mailbox` production: modified UTF-7, INBOX as such. */
export function mailboxName(name: string): ImapToken {
  return astring(/^inbox$/i.test(name) ? 'INBOX' : encodeMailboxName(name));
}

/** Collects text and literal bytes; text is ASCII by construction except resp-text. */
class Output {
  readonly parts: Buffer[] = [];
  text = '';

  bytes(b: Buffer): void {
    if (this.text) {
      this.parts.push(Buffer.from(this.text, 'utf8'));
      this.text = '';
    }
    this.parts.push(b);
  }

  finish(): Buffer {
    if (this.text) this.parts.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

function quotable(s: string): boolean {
  if (s.length > MAX_QUOTED) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function quote(s: string): string {
  return '"' + (s.includes('"') || s.includes('\\') ? s.replace(/["\\]/g, '\\$&') : s) + '"';
}

function writeLiteral(out: Output, data: Buffer): void {
  out.text += `{${data.length}}\r\n`;
  out.bytes(data);
}

function writeString(out: Output, value: string | Buffer): void {
  if (typeof value === 'string') {
    if (quotable(value)) out.text += quote(value);
    else writeLiteral(out, Buffer.from(value, 'utf8'));
    return;
  }
  const latin1 = value.length <= MAX_QUOTED ? value.toString('latin1') : '';
  if (value.length <= MAX_QUOTED && quotable(latin1)) out.text += quote(latin1);
  else writeLiteral(out, value);
}

function writeNumber(out: Output, n: number | bigint): void {
  if (typeof n === 'number' && (!Number.isSafeInteger(n) || n < 0)) throw new TypeError(`not an IMAP number: ${n}`);
  if (typeof n === 'bigint' && n < 0n) throw new TypeError(`not an IMAP number: ${n}`);
  out.text += String(n);
}

function writeValue(out: Output, v: ImapValue): void {
  if (v === null) {
    out.text += 'NIL';
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    writeNumber(out, v);
  } else if (Array.isArray(v)) {
    out.text += '(';
    writeSeparated(out, v, ' ');
    out.text += ')';
  } else {
    const t = v as ImapToken;
    switch (t.kind) {
      case 'atom':
      case 'raw':
        out.text += t.value;
        break;
      case 'astring':
        if (allChars(t.value, ASTRING) && t.value.toUpperCase() !== 'NIL') out.text += t.value;
        else writeString(out, t.value);
        break;
      case 'string':
        writeString(out, t.value);
        break;
      case 'literal':
        writeLiteral(out, t.value);
        break;
      case 'encoded':
        out.bytes(t.value);
        break;
      case 'concat':
        writeSeparated(out, t.items, '');
        break;
    }
  }
}

function writeSeparated(out: Output, values: readonly ImapValue[], separator: string): void {
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out.text += separator;
    writeValue(out, values[i]!);
  }
}

/** One value's bytes (no line end). */
export function encodeValue(value: ImapValue): Buffer {
  const out = new Output();
  writeValue(out, value);
  return out.finish();
}

/** resp-text cannot span lines: client-influenced text (a mailbox name in a NO) is flattened. */
function safeText(text: string): string {
  const flat = text.replace(/[\r\n\0]+/g, ' ');
  return flat.length > 0 ? flat : 'done';
}

export type Status = 'OK' | 'NO' | 'BAD';
export type UntaggedStatus = Status | 'BYE' | 'PREAUTH';

/** The `[code]` of a status response: e.g. `[UIDNEXT 5]` is `['UIDNEXT', 5]`, or use response-codes.ts. */
export type EncodedCode = readonly [name: string, ...args: ImapValue[]];

function statusLine(prefix: string, status: string, text: string, code: EncodedCode | null | undefined): Buffer {
  const out = new Output();
  out.text = `${prefix} ${status} `;
  if (code) {
    out.text += `[${code[0]}`;
    for (const arg of code.slice(1) as ImapValue[]) {
      out.text += ' ';
      writeValue(out, arg);
    }
    out.text += '] ';
  }
  out.text += safeText(text) + '\r\n';
  return out.finish();
}

/** `tag OK [code] text` */
export function tagged(tag: string, status: Status, text: string, code?: EncodedCode | null): Buffer {
  return statusLine(tag, status, text, code);
}

/** `* OK|NO|BAD|BYE|PREAUTH [code] text` */
export function untaggedStatus(status: UntaggedStatus, text: string, code?: EncodedCode | null): Buffer {
  return statusLine('*', status, text, code);
}

/** `* value value …`, e.g. `untagged(3, atom('EXISTS'))`. */
export function untagged(...values: ImapValue[]): Buffer {
  const out = new Output();
  out.text = '* ';
  writeSeparated(out, values, ' ');
  out.text += '\r\n';
  return out.finish();
}

/** `+ text`: ready for a literal, or inside IDLE. */
export function continuation(text = ''): Buffer {
  return Buffer.from(`+ ${text.replace(/[\r\n\0]+/g, ' ')}\r\n`, 'utf8');
}

/** `+ base64`: a SASL challenge. */
export function continuationBase64(data: Buffer): Buffer {
  return Buffer.from(`+ ${data.toString('base64')}\r\n`, 'latin1');
}

/** `* n FETCH (name value …)`; names come from fetchItemResponseName or are plain items (`UID`). */
export function fetchResponse(seq: number, items: ReadonlyArray<readonly [name: string, value: ImapValue]>): Buffer {
  const out = new Output();
  out.text = `* ${seq} FETCH (`;
  for (let i = 0; i < items.length; i++) {
    const [name, value] = items[i]!;
    out.text += (i > 0 ? ' ' : '') + name + ' ';
    writeValue(out, value);
  }
  out.text += ')\r\n';
  return out.finish();
}
