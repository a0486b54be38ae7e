// The shapes the IMAP encoder writes (ENVELOPE, BODYSTRUCTURE, BODY[section]), declared here so
// that this package needs nothing from @mss/imap, which imports them from here;
// test/imap-types.test.ts checks the parser's Section against SectionSpec and the views against
// the encoder.

import type { HeaderText } from './bytes.ts';

export type { HeaderText };

export interface Address {
  readonly name: HeaderText | null;
  /** Source route (obsolete), e.g. `@relay.example`; almost always null. */
  readonly adl: HeaderText | null;
  readonly mailbox: HeaderText | null;
  readonly host: HeaderText | null;
}

export interface AddressGroup {
  readonly group: HeaderText;
  readonly members: readonly Address[];
}

export type AddressEntry = Address | AddressGroup;

export interface Envelope {
  readonly date: HeaderText | null;
  readonly subject: HeaderText | null;
  readonly from: readonly AddressEntry[] | null;
  readonly sender: readonly AddressEntry[] | null;
  readonly replyTo: readonly AddressEntry[] | null;
  readonly to: readonly AddressEntry[] | null;
  readonly cc: readonly AddressEntry[] | null;
  readonly bcc: readonly AddressEntry[] | null;
  readonly inReplyTo: HeaderText | null;
  readonly messageId: HeaderText | null;
}

export type BodyParams = readonly (readonly [name: string, value: HeaderText])[];

export interface BodyDisposition {
  readonly type: string;
  readonly params: BodyParams;
}

export interface BodyExtension {
  readonly params: BodyParams;
  readonly disposition?: BodyDisposition | null;
  readonly language?: readonly string[] | null;
  readonly location?: HeaderText | null;
}

export interface MultipartBody extends BodyExtension {
  readonly multipart: true;
  readonly subtype: string;
  readonly parts: readonly BodyStructure[];
}

export interface SinglePartBody extends BodyExtension {
  readonly multipart?: false;
  readonly type: string;
  readonly subtype: string;
  readonly id: HeaderText | null;
  readonly description: HeaderText | null;
  readonly encoding: string;
  readonly size: number;
  readonly lines?: number;
  readonly envelope?: Envelope;
  readonly body?: BodyStructure;
  readonly md5?: HeaderText | null;
}

export type BodyStructure = MultipartBody | SinglePartBody;

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/** A parsed `BODY[section]`: `{ part: [1, 2], text: 'MIME', fields: [] }` is `1.2.MIME`. */
export interface SectionSpec {
  readonly part: readonly number[];
  readonly text: SectionText | null;
  readonly fields: readonly string[];
}
