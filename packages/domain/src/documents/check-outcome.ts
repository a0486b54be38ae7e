// What the operator found when it compared a submitted message's Ref. #2 headers with the CDA
// documents of its IHE_XDM attachments (R-DOC-2). Recorded with the message, and read by the
// Ségur indicators (R-IND-1): messages with and without CDA documents, by type code, with a
// qualified INS. Pure data: the checks live in @mss/xdm and @mss/smtp.

/** One CDA document found in an IHE_XDM attachment of the message. */
export interface CheckedDocument {
  /** The CDA `ClinicalDocument/code/@code` (LOINC, e.g. `11490-0`). */
  readonly typeCode: string;
  /**
   * The patient's INS is in the document (an INS OID in `recordTarget/patientRole/id` with a valid
   * key): CDA may only carry the matricule INS for a qualified identity (R-DOC-3).
   */
  readonly insQualified: boolean;
}

/**
 * Each way the headers can disagree with the attachments. The operator's policy says, per kind,
 * whether the message is accepted and counted (`accept-and-count`, the default) or refused.
 */
export const DOCUMENT_MISMATCH_KINDS = [
  /** A CDA document is attached and X-MSS-CODECDA is absent (ECO.2.4.1). */
  'codecda-missing',
  /** X-MSS-CODECDA does not list exactly the attached documents' type codes, one per document. */
  'codecda-mismatch',
  /** X-MSS-CODECDA is present and no CDA document is attached. */
  'codecda-without-document',
  /** A CDA document is attached and X-MSS-INS is absent (ECO.2.4.2). */
  'ins-missing',
  /** X-MSS-INS is neither `O` nor `N`. */
  'ins-malformed',
  /** X-MSS-INS says `O` and a document has no qualified INS, or `N` and every document has one. */
  'ins-disagrees',
  /** X-MSS-INS is present and no CDA document is attached. */
  'ins-without-document',
  /** X-MSS-NIL (the sending software's identifier) is absent. */
  'nil-missing',
  /** X-MSS-NIL is not a well-formed identifier. */
  'nil-malformed',
  /** X-MSS-MES on a message with no recipient at patient.mssante.fr (R-MES-2). */
  'mes-not-to-patient',
  /** An IHE_XDM archive whose METADATA.XML disagrees with its CDA (patient, type code, hash, size). */
  'xdm-inconsistent',
] as const;

export type DocumentMismatchKind = (typeof DOCUMENT_MISMATCH_KINDS)[number];

export interface DocumentMismatch {
  readonly kind: DocumentMismatchKind;
  /** For people: what was expected and what was found. */
  readonly detail: string;
}

export interface DocumentCheckOutcome {
  /** Every CDA document of the message's IHE_XDM attachments, in attachment order. */
  readonly documents: readonly CheckedDocument[];
  /** Empty when the headers and the attachments agree. */
  readonly mismatches: readonly DocumentMismatch[];
}

/** What the operator does with a message showing a mismatch of a kind. */
export type DocumentMismatchPolicy = 'accept-and-count' | 'reject';

export function isConsistent(outcome: DocumentCheckOutcome): boolean {
  return outcome.mismatches.length === 0;
}

/** The message carries at least one CDA document and every one names a qualified INS. */
export function hasQualifiedIns(outcome: DocumentCheckOutcome): boolean {
  return outcome.documents.length > 0 && outcome.documents.every((d) => d.insQualified);
}

export function isDocumentMismatchKind(value: string): value is DocumentMismatchKind {
  return (DOCUMENT_MISMATCH_KINDS as readonly string[]).includes(value);
}

/** The operator's policy: what to do per mismatch kind; a kind not named is accepted and counted. */
export type DocumentPolicy = Readonly<Partial<Record<DocumentMismatchKind, DocumentMismatchPolicy>>>;

/** Accept and count every mismatch (R-DOC-2's default). */
export const ACCEPT_AND_COUNT_ALL: DocumentPolicy = {};

/** The first mismatch the policy refuses the message for, if any. */
export function rejectedMismatch(outcome: DocumentCheckOutcome, policy: DocumentPolicy): DocumentMismatch | null {
  return outcome.mismatches.find((m) => policy[m.kind] === 'reject') ?? null;
}
