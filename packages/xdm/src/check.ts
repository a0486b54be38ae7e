// The submission checks of R-DOC-2: a message's Ref. #2 headers against the CDA documents of its
// IHE_XDM attachments (ECO.2.4.1 X-MSS-CODECDA, ECO.2.4.2 X-MSS-INS), X-MSS-NIL, and X-MSS-MES
// (R-MES-2). Works on the message as @mss/mime parsed it (the store's one ingestion parse), so that
// SMTP and `mss message check` judge alike. An unsafe archive throws UnsafeArchiveError (R-DOC-1).

import { type CheckedDocument, type DocumentCheckOutcome, type DocumentMismatch, PATIENT_DOMAIN } from '@mss/domain';
import { decodeBody, findXdmAttachments, type MimeNode, type MssHeaders, mssHeaders } from '@mss/mime';
import { cdaDocuments, insQualified, isConsistent, readXdm, type XdmInspection } from './archive.ts';
import type { XdmLimits } from './limits.ts';

/** X-MSS-NIL: a product reference such as `DEV935997` — one token of letters, digits, `.`, `_`, `-`, at most 64 (docs/choices.md). */
const NIL_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ArchiveReport {
  /** IMAP part number, e.g. `2` or `2.1`. */
  readonly part: string;
  readonly filename: string | null;
  readonly inspection: XdmInspection;
}

export interface MessageDocuments {
  readonly outcome: DocumentCheckOutcome;
  readonly headers: MssHeaders;
  readonly archives: readonly ArchiveReport[];
}

/** The message has something the checks look at: an IHE_XDM attachment or an X-MSS header. */
export function concernsDocuments(root: MimeNode): boolean {
  return root.fields.some((f) => f.key.replaceAll('_', '-').startsWith('x-mss-')) || findXdmAttachments(root).length > 0;
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();
const list = (xs: readonly string[]): string => (xs.length === 0 ? '(none)' : xs.join(', '));

/**
 * Opens every IHE_XDM attachment (throws UnsafeArchiveError on the first unsafe one) and compares
 * what the headers declare with what the documents are. `recipients`: the envelope's (submission)
 * or the header's (offline), for the X-MSS-MES rule.
 */
export async function checkMessageDocuments(
  raw: Uint8Array,
  root: MimeNode,
  options: { recipients: readonly string[]; limits?: Partial<XdmLimits> },
): Promise<MessageDocuments> {
  const headers = mssHeaders(root);
  const archives: ArchiveReport[] = [];
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const a of findXdmAttachments(root)) {
    const inspection = await readXdm(decodeBody(buffer, a.node), options.limits);
    archives.push({ part: a.part.join('.'), filename: a.filename, inspection });
  }
  const documents: CheckedDocument[] = archives.flatMap((a) =>
    cdaDocuments(a.inspection).map((d) => ({ typeCode: d.cda.typeCode?.code ?? '', insQualified: insQualified(d.cda) })),
  );
  const mismatches: DocumentMismatch[] = [];
  const add = (kind: DocumentMismatch['kind'], detail: string): void => {
    mismatches.push({ kind, detail });
  };

  if (documents.length > 0) {
    const expected = sorted(documents.map((d) => d.typeCode));
    const declared = sorted(headers.codeCda);
    if (declared.length === 0) add('codecda-missing', `X-MSS-CODECDA is absent; the documents are ${list(expected)}`);
    else if (expected.join('\n') !== declared.join('\n')) {
      add('codecda-mismatch', `X-MSS-CODECDA lists ${list(declared)}; the documents are ${list(expected)}`);
    }
    if (headers.insRaw === null) add('ins-missing', 'X-MSS-INS is absent while a CDA document is attached');
    else if (headers.ins === null) add('ins-malformed', `X-MSS-INS is ${JSON.stringify(headers.insRaw.slice(0, 20))}, not O or N`);
    else {
      const qualified = documents.filter((d) => d.insQualified).length;
      if (headers.ins === 'O' && qualified < documents.length) {
        add('ins-disagrees', `X-MSS-INS says O; ${documents.length - qualified} of ${documents.length} documents carry no qualified INS`);
      } else if (headers.ins === 'N' && qualified === documents.length) {
        add('ins-disagrees', 'X-MSS-INS says N; every document carries a qualified INS');
      }
    }
  } else {
    if (headers.codeCda.length > 0)
      add('codecda-without-document', `X-MSS-CODECDA lists ${list(headers.codeCda)}; no CDA document is attached`);
    if (headers.insRaw !== null) add('ins-without-document', 'X-MSS-INS is present; no CDA document is attached');
  }
  if (headers.nil === null) add('nil-missing', 'X-MSS-NIL (the sending software) is absent');
  else if (!NIL_SHAPE.test(headers.nil))
    add('nil-malformed', `X-MSS-NIL ${JSON.stringify(headers.nil.slice(0, 70))} is not a product reference`);
  if (headers.mes !== null && !options.recipients.some((r) => r.toLowerCase().endsWith(`@${PATIENT_DOMAIN}`))) {
    add('mes-not-to-patient', `X-MSS-MES: ${headers.mes.slice(0, 20)} on a message to no patient (${PATIENT_DOMAIN})`);
  }
  for (const a of archives) {
    if (isConsistent(a.inspection)) continue;
    const errors = a.inspection.findings.filter((f) => f.severity === 'error');
    add('xdm-inconsistent', `${a.filename ?? `part ${a.part}`}: ${errors.map((f) => `${f.kind} (${f.detail})`).join('; ')}`);
  }
  return { outcome: { documents, mismatches }, headers, archives };
}

/** Type codes come from the documents (untrusted): shown as a LOINC-like token, at most 10 of them, on one ASCII line. */
function codes(list: readonly string[]): string {
  const shown = list.slice(0, 10).map((c) => c.replace(/[^A-Za-z0-9.-]/g, '?').slice(0, 20) || '?');
  return list.length > 10 ? `${shown.join(',')},+${list.length - 10}` : shown.join(',');
}

/** One line for people: which checks passed (the 250 reply text, the stored copy's header). */
export function describeOutcome(outcome: DocumentCheckOutcome): string {
  const kinds = new Set(outcome.mismatches.map((m) => m.kind));
  const state = (prefix: string, applies: boolean): string => {
    const failed = [...kinds].filter((k) => k.startsWith(prefix));
    return failed.length > 0 ? failed.join('+') : applies ? 'ok' : 'n/a';
  };
  const docs = outcome.documents.length;
  return [
    `CODECDA=${state('codecda', true)}`,
    `INS=${state('ins', docs > 0)}`,
    `NIL=${state('nil', true)}`,
    `MES=${state('mes', true)}`,
    `XDM=${state('xdm', docs > 0)}`,
    `CDA=${docs === 0 ? 'none' : codes(outcome.documents.map((d) => d.typeCode))}`,
  ].join(' ');
}
