// The API LPS submission's document checks (R-DOC-1, R-DOC-2), between the end of DATA and the
// delivery: the message's X-MSS headers against the CDA documents of its IHE_XDM attachments
// (@mss/xdm). An unsafe archive is always refused; a mismatch is accepted and counted unless the
// operator's policy refuses its kind (MSS_DOCUMENT_REJECT). What was found travels with the
// message (SubmittedMessage.documentCheck: the record and the indicators), in the 250 text, and
// in the X-MSS-Document-Check field of the stored copy (docs/choices.md).

import type { DocumentCheckOutcome, DocumentPolicy } from '@mss/domain';
import { rejectedMismatch } from '@mss/domain';
import type { MimeNode } from '@mss/mime';
import { checkMessageDocuments, concernsDocuments, describeOutcome, isUnsafeArchiveError, type XdmLimits } from '@mss/xdm';
import type { Examined } from './data.ts';
import { type CheckedHeaders, DOCUMENT_CHECK_FIELD } from './message.ts';
import { replies } from './replies.ts';

const NOTHING: DocumentCheckOutcome = { documents: [], mismatches: [] };

export interface DocumentCheckOptions {
  recipients: readonly string[];
  policy: DocumentPolicy;
  limits?: Partial<XdmLimits>;
}

/**
 * A message with no X-MSS header and no IHE_XDM attachment is not a Ségur LPS's document message:
 * nothing to check, nothing added. Otherwise every check runs; throws the SmtpReply that refuses.
 */
export async function examineDocuments(
  raw: Buffer,
  root: MimeNode,
  checked: CheckedHeaders,
  options: DocumentCheckOptions,
): Promise<Examined<CheckedHeaders>> {
  if (!concernsDocuments(root)) return { checked: { ...checked, documentCheck: NOTHING }, field: null };
  let outcome: DocumentCheckOutcome;
  try {
    outcome = (
      await checkMessageDocuments(raw, root, { recipients: options.recipients, ...(options.limits ? { limits: options.limits } : {}) })
    ).outcome;
  } catch (err) {
    if (isUnsafeArchiveError(err)) throw replies.unsafeArchive(err.message);
    throw err;
  }
  const refused = rejectedMismatch(outcome, options.policy);
  if (refused) throw replies.documentMismatch(refused.kind, refused.detail);
  const summary = describeOutcome(outcome);
  return {
    checked: { ...checked, documentCheck: outcome, documentSummary: summary },
    field: { name: DOCUMENT_CHECK_FIELD, value: summary },
  };
}
