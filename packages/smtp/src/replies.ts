// Replies the submission listener sends of its own, each with its RFC 3463 enhanced status code.
// smtp-server derives an enhanced code from the basic code alone (550 → 5.1.1), which is wrong
// for most policy refusals (550 5.7.1), so our replies carry their code in the text and the
// connection sends them as they are (see SubmissionConnection.send). Texts are US-ASCII
// (RFC 5321 §4.2), hence "MSSante".

import { SESSION_END_TEXT, type SessionEndReason } from '@mss/access';

/** What the library and the connection recognise as "this text already has its code". */
export const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/** An SMTP refusal: smtp-server sends `responseCode` and `message` as the reply. */
export class SmtpReply extends Error {
  override readonly name = 'SmtpReply';
  readonly responseCode: number;
  readonly enhancedCode: string;
  readonly text: string;

  constructor(code: number, enhancedCode: string, text: string) {
    // A reply is not a fault: no stack trace to capture (it was a measurable share of every 250).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${enhancedCode} ${text}`);
    Error.stackTraceLimit = limit;
    this.responseCode = code;
    this.enhancedCode = enhancedCode;
    this.text = text;
  }
}

const reply = (code: number, enhanced: string, text: string): SmtpReply => new SmtpReply(code, enhanced, text);

export const replies = {
  starttlsFirst: () => reply(530, '5.7.0', 'Must issue a STARTTLS command first'),
  authRequired: 'Authentication required: AUTH XOAUTH2 or OAUTHBEARER with a Pro Sante Connect token',
  authRequiredOrCertificate:
    'Authentication required: AUTH XOAUTH2 or OAUTHBEARER with a Pro Sante Connect token, or EXTERNAL with an APP certificate',
  credentialsInvalid: () => reply(535, '5.7.8', 'Authentication credentials invalid'),
  notAllowed: (text: string) => reply(535, '5.7.8', text),
  authTemporary: () => reply(454, '4.7.0', 'Temporary authentication failure, try again later'),
  authAborted: () => reply(501, '5.7.0', 'Authentication aborted'),
  authMalformed: (text: string) => reply(501, '5.5.2', text),
  authUnknownMechanism: (external = false) =>
    reply(
      504,
      '5.5.4',
      `Unrecognized authentication type: use XOAUTH2 or OAUTHBEARER${external ? ', or EXTERNAL with an APP certificate' : ''}`,
    ),
  // AUTH EXTERNAL (an APP's client certificate): no certificate is no credentials at all (5.7.0);
  // one that is not good enough, invalid credentials (5.7.8). The reason is the vendor's to fix.
  noCertificate: (text: string) => reply(535, '5.7.0', `Authentication failed: ${text}`),
  certificateRefused: (text: string) => reply(535, '5.7.8', `Authentication credentials invalid: ${text}`),
  certificateTemporary: (text: string) => reply(454, '4.7.0', `Temporary authentication failure: ${text}; try again later`),
  authSyntax: () => reply(501, '5.5.4', 'Syntax: AUTH mechanism [initial-response]'),
  alreadyAuthenticated: () => reply(503, '5.5.1', 'Already authenticated'),
  authInTransaction: () => reply(503, '5.5.1', 'AUTH is not allowed during a mail transaction'),
  authNotOnRelay: () => reply(502, '5.5.1', 'AUTH is not available here: operators authenticate with their client certificate'),
  authenticated: (mailbox: string, role: string) => reply(235, '2.7.0', `Authentication successful: ${mailbox} as ${role}`),

  envelopeSender: (mailbox: string) => reply(550, '5.7.1', `Sender address rejected: this session may only send as ${mailbox}`),
  nullSender: (mailbox: string) =>
    reply(550, '5.7.1', `Sender address rejected: the null sender is not allowed on submission, use ${mailbox}`),
  headerFrom: (mailbox: string) =>
    reply(550, '5.7.1', `Message rejected: the From: header must be ${mailbox} alone, the mailbox this session opened`),
  headerSender: (mailbox: string) => reply(550, '5.7.1', `Message rejected: a Sender: header, when present, must be ${mailbox}`),
  reservedHeader: (name: string) => reply(550, '5.7.1', `Message rejected: ${name} is set by the operator, not by the sender`),
  duplicateHeader: (name: string) => reply(550, '5.7.1', `Message rejected: more than one ${name}: header`),
  headerTooLarge: (limit: number) => reply(552, '5.3.4', `Message rejected: header section larger than ${limit} bytes`),
  tooBig: (limit: number) => reply(552, '5.3.4', `Message exceeds the maximum size of ${limit} bytes`),

  unknownRecipient: (address: string) => reply(550, '5.1.1', `<${address}>: no such mailbox at this operator`),
  groupWithoutMember: (address: string) => reply(550, '5.2.1', `<${address}>: group address with no member who can receive`),
  // Issue #20 rule 7: nobody sends as a practice's group address; replies come from each member's own mailbox.
  groupSender: (group: string, mailbox: string) =>
    reply(550, '5.7.1', `Sender address rejected: ${group} is a group address, nobody sends as it; send as ${mailbox}`),
  recipientDisabled: (address: string, status: string) =>
    reply(550, '5.2.1', `<${address}>: mailbox is ${status} and does not accept messages`),
  outsideTrustSpace: (address: string) => reply(550, '5.7.1', `<${address}>: domain not in the MSSante trust space`),
  // RFC 3463 X.1.3: bad destination mailbox address syntax; the INS rule's reason in ASCII (RFC 5321 §4.2).
  invalidPatientIns: (address: string, problem: string) =>
    reply(553, '5.1.3', `<${address}>: a patient address must be a valid INS (R-DOC-3): ${asciiOnly(problem)}`),
  relayUnavailable: (address: string) => reply(451, '4.4.0', `<${address}>: relay to other operators not yet available, try again later`),
  mailboxFull: (address: string) => reply(452, '4.2.2', `<${address}>: mailbox full, try again later`),
  mailboxFullNow: (address: string) => reply(552, '5.2.2', `<${address}>: mailbox full, message not accepted`),
  recipientUnavailableNow: () => reply(451, '4.2.1', 'A recipient mailbox became unavailable during the transaction, try again later'),

  insecurePeer: (reason: string) => reply(554, '5.7.0', `Command refused due to lack of security: ${reason}`),
  peerSenderDomain: (domain: string, peer: string) =>
    reply(
      550,
      '5.7.1',
      `Sender address rejected: ${domain || 'this domain'} does not belong to the operator of the client certificate (${peer})`,
    ),
  relayDenied: (address: string) => reply(554, '5.7.1', `<${address}>: Relay access denied`),
  alreadyDelivered: (id: string) => reply(250, '2.0.0', `Ok: already delivered as ${id}`),
  relayAccepted: (id: string, delivered: number, duplicates: number) =>
    reply(250, '2.0.0', `Ok: queued as ${id} (${delivered} delivered${duplicates ? `, ${duplicates} already delivered before` : ''})`),
  bareNewline: (kind: 'LF' | 'CR') =>
    reply(550, '5.5.2', `Error: bare <${kind}> received; lines must end with <CR><LF>. Closing connection`),
  localError: () => reply(451, '4.3.0', 'Local error in processing, message not accepted; try again later'),
  /** RFC 5321 §4.2.3 452, RFC 3463 X.3.1 "mail system full": the blob store has no room. */
  storageFull: () => reply(452, '4.3.1', 'Insufficient system storage, message not accepted; try again later'),
  tooManyErrors: () => reply(421, '4.7.0', 'Too many errors, closing connection'),
  tooManyCommands: () => reply(421, '4.7.0', 'Too many commands on one connection, closing'),
  tooManyFromAddress: (limit: number) => reply(421, '4.7.0', `Too many connections from your address (limit ${limit}), try again later`),
  lineTooLong: () => reply(421, '4.7.0', 'Command line too long, closing connection'),
  shuttingDown: () => reply(421, '4.3.2', 'Server shutting down, try again later'),
  sessionEnded: (reason: SessionEndReason) => reply(421, '4.7.0', `${SESSION_END_TEXT[reason]}; closing connection`),
  // R-DOC-1/R-DOC-2: 5.6.0 "other or undefined media error" (RFC 3463 §3.7): the content is refused.
  unsafeArchive: (detail: string) => reply(554, '5.6.0', `Message rejected: unsafe IHE_XDM attachment (R-DOC-1): ${ascii(detail)}`),
  documentMismatch: (kind: string, detail: string) =>
    reply(554, '5.6.0', `Message rejected: X-MSS headers disagree with the documents (R-DOC-2), ${kind}: ${ascii(detail)}`),
  accepted: (id: string, local: number, remote: number) =>
    reply(
      250,
      '2.0.0',
      `Ok: accepted as ${id} (${local} local mailbox${local === 1 ? '' : 'es'}${remote ? `, ${remote} for other operators` : ''})`,
    ),
} as const;

/** Reply texts are US-ASCII on one line (RFC 5321 §4.2): anything else becomes `?`, long details are cut. */
function ascii(text: string): string {
  const flat = text.replace(/[^\x20-\x7e]/g, '?');
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat;
}

export { SESSION_END_TEXT };

/** Reply texts are US-ASCII: the domain's messages use typographic dashes and accents. */
function asciiOnly(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?');
}
