import { literal, nstr, raw, str, type ImapValue } from '../protocol/index.ts';
import type { Section } from '../protocol/index.ts';

/** What the session needs from a stored message: metadata, sections, structures, search text. */
export interface MessageView {
  metadata(): { messageId: string | null; subject: string | null; fromAddr: string | null; toAddrs: string | null; sentDate: string | null };
  whole(): ImapValue;
  section(section: Section): ImapValue;
  sectionBytes(section: Section): Buffer;
  literalOrNil(data: Buffer): ImapValue;
  envelope(): ImapValue;
  bodyStructure(extended: boolean): ImapValue;
  sentDate(): Date | null;
  headerValues(name: string): string[];
  headerText(): string;
  bodyText(): string;
}

function splitHeader(rawMsg: Buffer): { headerEnd: number; bodyStart: number } {
  const crlf = rawMsg.indexOf('\r\n\r\n');
  const lf = rawMsg.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { headerEnd: crlf + 2, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf + 1, bodyStart: lf + 2 };
  return { headerEnd: rawMsg.length, bodyStart: rawMsg.length };
}

function parseHeaderLines(text: string): { name: string; value: string; raw: string }[] {
  const out: { name: string; value: string; raw: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) {
      const last = out[out.length - 1]!;
      last.value += ` ${line.trim()}`;
      last.raw += `\r\n${line}`;
    } else {
      const i = line.indexOf(':');
      if (i > 0) out.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim(), raw: line });
    }
  }
  return out;
}

/** A first, single-part reading of a message; replaced by the full MIME layer when available. */
export function messageView(rawMsg: Buffer): MessageView {
  const { headerEnd, bodyStart } = splitHeader(rawMsg);
  const headerBytes = rawMsg.subarray(0, Math.min(rawMsg.length, bodyStart));
  const headers = parseHeaderLines(rawMsg.subarray(0, headerEnd).toString('utf8'));
  const get = (name: string) => headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);
  const first = (name: string) => get(name)[0] ?? null;
  const body = rawMsg.subarray(bodyStart);
  const date = first('Date');
  const sectionBytes = (s: Section): Buffer => {
    if (s.part.length > 1 || (s.part.length === 1 && s.part[0] !== 1)) return Buffer.alloc(0);
    if (s.text === null) return s.part.length ? body : rawMsg;
    if (s.text === 'TEXT') return body;
    if (s.text === 'HEADER' || s.text === 'MIME') return headerBytes;
    const wanted = new Set(s.fields.map((f) => f.toLowerCase()));
    const keep = headers.filter((h) => wanted.has(h.name.toLowerCase()) === (s.text === 'HEADER.FIELDS'));
    return Buffer.from(`${keep.map((h) => `${h.raw}\r\n`).join('')}\r\n`);
  };
  const addresses = (name: string): ImapValue => {
    const v = first(name);
    if (!v) return null;
    return v.split(',').map((part) => {
      const m = /^\s*(?:"?([^"<]*)"?\s*)?<([^@>]+)@([^>]+)>\s*$/.exec(part) ?? /^\s*()([^@\s]+)@(\S+)\s*$/.exec(part);
      return m ? [nstr(m[1]?.trim() || null), null, str(m[2]!), str(m[3]!)] : [null, null, str(part.trim()), null];
    });
  };
  return {
    metadata: () => ({
      messageId: first('Message-ID'),
      subject: first('Subject'),
      fromAddr: first('From'),
      toAddrs: first('To'),
      sentDate: date && !Number.isNaN(Date.parse(date)) ? new Date(date).toISOString() : null,
    }),
    whole: () => literal(rawMsg),
    section: (s) => literal(sectionBytes(s)),
    sectionBytes,
    literalOrNil: (data) => literal(data),
    envelope: () => [
      nstr(date),
      nstr(first('Subject')),
      addresses('From'),
      addresses('Sender') ?? addresses('From'),
      addresses('Reply-To') ?? addresses('From'),
      addresses('To'),
      addresses('Cc'),
      addresses('Bcc'),
      nstr(first('In-Reply-To')),
      nstr(first('Message-ID')),
    ],
    bodyStructure: () => {
      const lines = body.toString('latin1').split('\n').length;
      return [str('TEXT'), str('PLAIN'), raw('("CHARSET" "UTF-8")'), null, null, str('8BIT'), body.length, lines];
    },
    sentDate: () => (date && !Number.isNaN(Date.parse(date)) ? new Date(date) : null),
    headerValues: (name) => get(name),
    headerText: () => headers.map((h) => `${h.name}: ${h.value}`).join('\n'),
    bodyText: () => body.toString('utf8'),
  };
}
