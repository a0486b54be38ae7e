// The receiving side: what health software needs from a message it fetched — who sent it (and
// whether a patient did, R-MES-3), the Ref. #2 headers, and the CDA documents of its IHE_XDM
// attachments with their headers (type, patient, INS, author), read within @mss/xdm's limits
// (R-DOC-1). An unsafe archive is reported on the message, never thrown at the caller.

import {
  decodeBody,
  decodedHeader,
  decodeText,
  findXdmAttachments,
  headerAddresses,
  type MimeNode,
  type MssHeaders,
  messageIds,
  mssHeaders,
  type ParsedAddress,
  parseMessage,
  walkParts,
} from '@mss/mime';
import { type CdaHeader, insQualified, isUnsafeArchiveError, readXdm, readZip, type XdmFinding, xdmLimits } from '@mss/xdm';
import { type Mdn, parseMdn, readReceiptRequestedBy } from '../mail/mdn.ts';

export interface ReceivedDocument {
  /** The attachment's IMAP part number, e.g. `2`. */
  readonly part: string;
  /** The document's path in the archive, e.g. `IHE_XDM/SUBSET01/DOC0001.XML`. */
  readonly path: string;
  readonly cda: CdaHeader;
  readonly typeCode: string | null;
  readonly title: string | null;
  /** The valid INS the document carries (a qualified identity), or null. */
  readonly ins: string | null;
  readonly insQualified: boolean;
  /** The document's bytes, to import into the patient's record. */
  readonly bytes: Buffer;
}

export interface ReceivedMessage {
  /** `<left@right>`, as composeMessage gives it. */
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly from: ParsedAddress | null;
  readonly to: readonly ParsedAddress[];
  readonly subject: string;
  readonly date: string | null;
  /** The first text/plain part, decoded. */
  readonly text: string | null;
  readonly mss: MssHeaders;
  /** Written by Mon Espace Santé on a patient's message (R-MES-3). */
  readonly fromPatient: boolean;
  readonly documents: readonly ReceivedDocument[];
  /** Inconsistencies found inside the archives (METADATA.XML against the documents), and unsafe ones. */
  readonly findings: readonly XdmFinding[];
  readonly unsafeArchives: readonly { readonly part: string; readonly reason: string }[];
  /** Where the sender wants a read receipt, if asked (RFC 8098 §2.1). */
  readonly readReceiptTo: string | null;
  /** When the message is itself a read receipt. */
  readonly mdn: Mdn | null;
}

function firstText(raw: Buffer, root: MimeNode): string | null {
  for (const { node } of walkParts(root)) {
    if (
      node.kind === 'leaf' &&
      node.contentType.type === 'text' &&
      node.contentType.subtype === 'plain' &&
      node.disposition?.type !== 'attachment'
    ) {
      return decodeText(raw, node);
    }
  }
  return null;
}

/** Message ids are given as written in header fields, `<left@right>`. */
const bracketed = (id: string | undefined): string | null => (id === undefined ? null : `<${id}>`);

export async function readMessage(raw: Uint8Array): Promise<ReceivedMessage> {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const root = parseMessage(buffer);
  const documents: ReceivedDocument[] = [];
  const findings: XdmFinding[] = [];
  const unsafeArchives: { part: string; reason: string }[] = [];
  for (const a of findXdmAttachments(root)) {
    const part = a.part.join('.');
    const zip = decodeBody(buffer, a.node);
    try {
      const inspection = await readXdm(zip);
      findings.push(...inspection.findings);
      const entries = new Map((await readZip(zip, xdmLimits())).map((e) => [e.name, e.bytes]));
      for (const d of inspection.documents) {
        if (!d.cda) continue;
        documents.push({
          part,
          path: d.path,
          cda: d.cda,
          typeCode: d.cda.typeCode?.code ?? null,
          title: d.cda.title,
          ins: d.cda.patient.ins,
          insQualified: insQualified(d.cda),
          bytes: entries.get(d.path) ?? Buffer.alloc(0),
        });
      }
    } catch (err) {
      if (!isUnsafeArchiveError(err)) throw err;
      unsafeArchives.push({ part, reason: err.message });
    }
  }
  const usager = decodedHeader(root, 'x-mss-usager');
  return {
    messageId: bracketed(messageIds(decodedHeader(root, 'message-id'))[0]),
    inReplyTo: bracketed(messageIds(decodedHeader(root, 'in-reply-to'))[0]),
    references: messageIds(decodedHeader(root, 'references')).map((id) => `<${id}>`),
    from: headerAddresses(root, 'from')[0] ?? null,
    to: headerAddresses(root, 'to'),
    subject: decodedHeader(root, 'subject') ?? '',
    date: decodedHeader(root, 'date'),
    text: firstText(buffer, root),
    mss: mssHeaders(root),
    fromPatient: usager?.trim().toUpperCase() === 'O',
    documents,
    findings,
    unsafeArchives,
    readReceiptTo: readReceiptRequestedBy(root),
    mdn: parseMdn(buffer, root),
  };
}
