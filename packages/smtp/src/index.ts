// @mss/smtp: the API LPS submission listener (STARTTLS, AUTH XOAUTH2/OAUTHBEARER with a Pro
// Santé Connect token), local delivery, the relay listener other operators deliver to (mutual
// TLS in the trust space), and the queue that sends to them.

export { startSubmissionServer, type RunningSubmissionServer, type SubmissionServerOptions } from './server.ts';
export {
  createLocalDelivery,
  deliverLocally,
  RecipientUnavailable,
  MailboxFull,
  type Deliver,
  type DeliveryReport,
  type IncomingMessage,
  type LocalDelivery,
  type LocalOutcome,
  type LocalDeliveryOptions,
  type Recipient,
  type RecipientDsn,
  type StoredCopy,
  type SubmittedMessage,
} from './delivery.ts';
export type { SubmissionIdentity } from './auth.ts';
export { BareNewlineScanner, type BareNewline } from './bare-newline.ts';
export { receivedHeader, rfc5322Date, type ReceivedInput } from './received.ts';
export { replies, SmtpReply, SESSION_END_TEXT } from './replies.ts';
export {
  startRelayServer,
  createRelaySmtpServer,
  judgePeerCertificate,
  type RelayCoreOptions,
  type RelayDelivery,
  type RelayServerOptions,
  type RelayTransport,
} from './relay.ts';
export { listenSmtp, type OurSmtpServer, type RunningSmtpListener } from './listen.ts';
export type { PeerJudgement } from './connection.ts';
export { queueEntries } from './delivery.ts';
export type { TrustSpace } from './recipients.ts';
export { QueueRunner, type QueueRunnerOptions, type RetryPolicy, type RoundReport, type RoutingTrustSpace } from './queue/runner.ts';
export { buildDsn, wantsFailureDsn, headerSection, type DsnInput, type FailedRecipient } from './queue/dsn.ts';
export { readHeaders, sendingTraceId } from './message.ts';
