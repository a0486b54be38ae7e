import {
  bodyStructure,
  decodedHeader,
  envelope,
  headerTextForSearch,
  headerValuesForSearch,
  parseMessage,
  section as mimeSection,
  textForSearch,
  unfoldedHeader,
  type MimeNode,
} from '@mss/mime';
import { bodyStructureValue, envelopeValue, literal, type ImapValue, type Section } from '../protocol/index.ts';

/** What the session needs from a stored message: metadata, sections, structures, search text. */
export interface MessageView {
  metadata(): { messageId: string | null; subject: string | null; fromAddr: string | null; toAddrs: string | null; sentDate: string | null };
  whole(): ImapValue;
  sectionBytes(section: Section): Buffer;
  literalOrNil(data: Buffer): ImapValue;
  envelope(): ImapValue;
  bodyStructure(extended: boolean): ImapValue;
  sentDate(): Date | null;
  headerValues(name: string): string[];
  headerText(): string;
  bodyText(): string;
}

function dateOf(root: MimeNode): Date | null {
  const d = unfoldedHeader(root, 'Date');
  if (!d) return null;
  const t = Date.parse(d.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(t) ? null : new Date(t);
}

/** A stored message read through @mss/mime, parsed once, without copying the body. */
export function messageView(raw: Buffer): MessageView {
  let parsed: MimeNode | undefined;
  const root = (): MimeNode => (parsed ??= parseMessage(raw));
  return {
    metadata: () => ({
      messageId: unfoldedHeader(root(), 'Message-ID'),
      subject: decodedHeader(root(), 'Subject'),
      fromAddr: decodedHeader(root(), 'From'),
      toAddrs: decodedHeader(root(), 'To'),
      sentDate: dateOf(root())?.toISOString() ?? null,
    }),
    whole: () => literal(raw),
    // RFC 3501 leaves a section that does not exist open; like Dovecot, answer an empty string.
    sectionBytes: (s) => mimeSection(raw, root(), { part: s.part, text: s.text, fields: s.fields }) ?? Buffer.alloc(0),
    literalOrNil: (data) => literal(data),
    envelope: () => envelopeValue(envelope(root())),
    bodyStructure: (extended) => bodyStructureValue(bodyStructure(root(), extended), extended),
    sentDate: () => dateOf(root()),
    headerValues: (name) => headerValuesForSearch(root(), name),
    headerText: () => headerTextForSearch(root()),
    bodyText: () => textForSearch(raw, root()),
  };
}
