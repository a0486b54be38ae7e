// @mss/jmap: JMAP (RFC 8620 core, RFC 8621 mail) on the operator's HTTP server, over the same
// store and the same access decision point as IMAP and SMTP.

export { registerJmap, sessionResource, type JmapOptions, type JmapServer } from './server.ts';
export { CORE, MAIL, SUBMISSION, VACATION, MSS_MAILBOX, DEFAULT_LIMITS, type CoreLimits } from './capabilities.ts';
export type { CandidateMailboxes, JmapSession, JmapAccount } from './session.ts';
export type { Submitter } from './methods/context.ts';
export { smtpSubmitter, type SmtpSubmitterOptions } from './submit-smtp.ts';
