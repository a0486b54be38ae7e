// What the server announces in its session resource (RFC 8620 §2) and enforces: the limits of
// the core capability are checked where a request is read (request.ts) and by each method.

export const CORE = 'urn:ietf:params:jmap:core';
export const MAIL = 'urn:ietf:params:jmap:mail';
export const SUBMISSION = 'urn:ietf:params:jmap:submission';
export const VACATION = 'urn:ietf:params:jmap:vacationresponse';
/**
 * Ours (RFC 8620 §9.4.2 allows vendor capabilities): an account's MSSanté mailbox — its type
 * (PER, CAB, ORG, APP) and the role the person holds on it — which a webmail's mailbox switcher
 * shows and RFC 8620's account object has no place for.
 */
export const MSS_MAILBOX = 'urn:mss-operator:jmap:mailbox';

export const KNOWN_CAPABILITIES = new Set([CORE, MAIL, SUBMISSION, VACATION, MSS_MAILBOX]);

export interface CoreLimits {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
}

export const DEFAULT_LIMITS: CoreLimits = {
  // The SMTP relays take 25 MiB per message; an upload is one message or one attachment.
  maxSizeUpload: 25 * 1024 * 1024,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10 * 1024 * 1024,
  maxConcurrentRequests: 8,
  maxCallsInRequest: 32,
  maxObjectsInGet: 500,
  maxObjectsInSet: 500,
};

export function coreCapability(limits: CoreLimits): Record<string, unknown> {
  return { ...limits, collationAlgorithms: ['i;ascii-casemap', 'i;octet'] };
}

/** RFC 8621 §1.3.1: the mail capability of an account. */
export const MAIL_ACCOUNT_CAPABILITY = {
  maxMailboxesPerEmail: null,
  maxMailboxDepth: 10,
  maxSizeMailboxName: 200,
  maxSizeAttachmentsPerEmail: 25 * 1024 * 1024,
  emailQuerySortOptions: ['receivedAt', 'size', 'from', 'to', 'subject'],
  mayCreateTopLevelMailbox: true,
};

/** RFC 8621 §1.3.2. */
export const SUBMISSION_ACCOUNT_CAPABILITY = { maxDelayedSend: 0, submissionExtensions: {} };
