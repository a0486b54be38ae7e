// A message as Ref. #2 wants it from health software: each CDA travels in an IHE_XDM.ZIP built by
// @mss/xdm (R-DOC-1), and the X-MSS headers are derived from the documents themselves, so that
// they cannot disagree with them (R-DOC-2): X-MSS-CODECDA one LOINC code per document
// (ECO.2.4.1), X-MSS-INS `O` only when every document carries a qualified INS (ECO.2.4.2),
// X-MSS-NIL the software's reference, X-MSS-MES: FIN to end an exchange with a patient (R-MES-2).

import { randomUUID } from 'node:crypto';
import { buildXdm, insQualified, readCda, XdmBuildError } from '@mss/xdm';
import type { SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { MssClientError } from '../errors.ts';

export interface CdaAttachment {
  /** The CDA R2 document's bytes (sent unchanged inside the archive). */
  readonly cda: Uint8Array;
  /** A PDF rendering to travel beside it (its own document entry). */
  readonly pdf?: Uint8Array;
}

export interface OutgoingMessage {
  /** The mailbox sending; a mailbox handle fills it with the mailbox it opened. */
  readonly from?: string;
  readonly fromName?: string;
  readonly to: readonly string[];
  readonly cc?: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Each becomes one IHE_XDM.ZIP attachment, and sets X-MSS-CODECDA and X-MSS-INS. */
  readonly documents?: readonly CdaAttachment[];
  /** Other attachments (nodemailer's form). */
  readonly attachments?: SendMailOptions['attachments'];
  /** X-MSS-NIL: the software's product reference (e.g. `DEV935997`). */
  readonly nil?: string;
  /** X-MSS-MES: FIN — the patient may no longer write until a professional writes again (R-MES-2). */
  readonly endPatientExchange?: boolean;
  /** Asks for a read receipt (MDN, RFC 8098 §2.1) to the sending mailbox. */
  readonly readReceipt?: boolean;
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
  readonly messageId?: string;
  /** Extra header fields. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ComposedDocument {
  readonly typeCode: string;
  readonly title: string | null;
  readonly insQualified: boolean;
}

export interface ComposedMessage {
  /** For nodemailer's `sendMail`. */
  readonly mail: SendMailOptions;
  readonly messageId: string;
  /** The Ref. #2 header fields written. */
  readonly mssHeaders: Readonly<Record<string, string>>;
  readonly documents: readonly ComposedDocument[];
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1) || 'localhost';

export async function composeMessage(m: OutgoingMessage): Promise<ComposedMessage> {
  if (!m.from) throw new MssClientError('SEND_REFUSED', 'a message needs the mailbox it is sent from');
  const documents: ComposedDocument[] = [];
  const archives: NonNullable<SendMailOptions['attachments']> = [];
  for (const [i, d] of (m.documents ?? []).entries()) {
    let typeCode: string;
    let title: string | null;
    let qualified: boolean;
    let zip: Buffer;
    try {
      const header = readCda(d.cda);
      typeCode = header.typeCode?.code ?? '';
      title = header.title;
      qualified = insQualified(header);
      zip = await buildXdm({ cda: d.cda, ...(d.pdf ? { pdf: d.pdf } : {}) });
    } catch (err) {
      const why = err instanceof XdmBuildError || err instanceof Error ? err.message : String(err);
      throw new MssClientError('DOCUMENT_INVALID', `document ${i + 1}: ${why}`, { cause: err });
    }
    documents.push({ typeCode, title, insQualified: qualified });
    archives.push({ filename: 'IHE_XDM.ZIP', content: zip, contentType: 'application/zip' });
  }

  const mss: Record<string, string> = {};
  if (documents.length > 0) {
    mss['X-MSS-CODECDA'] = documents.map((d) => d.typeCode).join(',');
    mss['X-MSS-INS'] = documents.every((d) => d.insQualified) ? 'O' : 'N';
  }
  if (m.nil !== undefined) mss['X-MSS-NIL'] = m.nil;
  if (m.endPatientExchange) mss['X-MSS-MES'] = 'FIN';

  const messageId = m.messageId ?? `<${randomUUID()}@${domainOf(m.from)}>`;
  const to = [...m.to, ...(m.cc ?? [])];
  const mail: SendMailOptions = {
    from: m.fromName ? { name: m.fromName, address: m.from } : m.from,
    to: [...m.to],
    ...(m.cc && m.cc.length > 0 ? { cc: [...m.cc] } : {}),
    subject: m.subject,
    text: m.text,
    ...(m.html === undefined ? {} : { html: m.html }),
    messageId,
    ...(m.inReplyTo === undefined ? {} : { inReplyTo: m.inReplyTo }),
    ...(m.references === undefined ? {} : { references: [...m.references] }),
    headers: { ...mss, ...(m.readReceipt ? { 'Disposition-Notification-To': `<${m.from}>` } : {}), ...m.headers },
    attachments: [...archives, ...(m.attachments ?? [])],
    envelope: { from: m.from, to },
  };
  return { mail, messageId, mssHeaders: mss, documents, envelope: { from: m.from, to } };
}

/** The message's bytes (RFC 5322), e.g. to keep a copy in Sent or to check it offline (`mss message check`). */
export function toRaw(composed: ComposedMessage): Promise<Buffer> {
  return new MailComposer(composed.mail).compile().build();
}
