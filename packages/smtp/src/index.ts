// @mss/smtp: the API LPS submission listener (STARTTLS, AUTH XOAUTH2/OAUTHBEARER with a Pro
// Santé Connect token) and local delivery. The relay between operators and the queue come next.

export { startSubmissionServer, type RunningSubmissionServer, type SubmissionServerOptions } from './server.ts';
export {
  auditSend,
  createLocalDelivery,
  RecipientUnavailable,
  type Deliver,
  type DeliveryReport,
  type LocalDeliveryOptions,
  type Recipient,
  type RecipientDsn,
  type SubmittedMessage,
} from './delivery.ts';
export type { SubmissionIdentity } from './auth.ts';
export { BareNewlineScanner, type BareNewline } from './bare-newline.ts';
export { receivedHeader, rfc5322Date, type ReceivedInput } from './received.ts';
export { replies, SmtpReply, SESSION_END_TEXT } from './replies.ts';
export type { MessageMetadata } from './message.ts';
