// What a mail reader shows of an IHE_XDM attachment (domain reference §9): the health documents
// it carries — CDA title, LOINC type, date, author — read within this package's limits (R-DOC-1).
// Used by Mon Espace Santé's patient mailbox and the operator's webmail. An archive refused here is
// only ever a plain attachment: reading it is a courtesy to the reader, never a reason to fail a page.

import { cdaDocuments, isConsistent, readXdm } from './archive.ts';
import { isUnsafeArchiveError, type UnsafeLimit } from './errors.ts';

export interface HealthDocumentSummary {
  title: string | null;
  /** LOINC code and display name of the CDA's type (R-DOC-2's `X-MSS-CODECDA` is this code). */
  typeCode: string | null;
  typeDisplay: string | null;
  /** As the CDA writes it (HL7 TS: YYYYMMDDHHMMSS±ZZZZ, any precision). */
  effectiveTime: string | null;
  authorName: string | null;
  authorOrganization: string | null;
}

export type HealthDocumentReading =
  | {
      kind: 'documents';
      documents: HealthDocumentSummary[];
      /** METADATA.XML contradicts what the archive holds (an error finding of readXdm). */
      inconsistent: boolean;
    }
  /** Refused by @mss/xdm (`limit` names why), or holding no CDA document. */
  | { kind: 'unreadable'; limit: UnsafeLimit | 'no-cda' };

/** The health documents of an archive, or why it cannot be read as such; only @mss/xdm's typed refusals are caught. */
export async function readHealthDocuments(bytes: Uint8Array): Promise<HealthDocumentReading> {
  let documents: HealthDocumentSummary[];
  let inconsistent: boolean;
  try {
    const x = await readXdm(bytes);
    inconsistent = !isConsistent(x);
    documents = cdaDocuments(x).map(({ cda }) => ({
      title: cda.title,
      typeCode: cda.typeCode?.code ?? null,
      typeDisplay: cda.typeCode?.displayName ?? null,
      effectiveTime: cda.effectiveTime,
      authorName: cda.author?.name ?? null,
      authorOrganization: cda.author?.organization?.name ?? null,
    }));
  } catch (err) {
    if (isUnsafeArchiveError(err)) return { kind: 'unreadable', limit: err.limit };
    throw err;
  }
  return documents.length ? { kind: 'documents', documents, inconsistent } : { kind: 'unreadable', limit: 'no-cda' };
}
