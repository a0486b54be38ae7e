// A handle on one mailbox the person may open. Every connection authenticates as that mailbox:
// STARTTLS first (RFC 3207, RFC 3501 §6.2.1), then SASL with the person's PSC token and
// `user=<the mailbox>` (XOAUTH2 from nodemailer; XOAUTH2 or OAUTHBEARER from imapflow), and a
// message is always sent as the mailbox opened (From: and MAIL FROM), as the operator requires.

import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { hostPort, type MssEnvironment } from '../environment.ts';
import { MssClientError } from '../errors.ts';
import { type ComposedMessage, composeMessage, type OutgoingMessage } from '../message/compose.ts';
import { type ReceivedMessage, readMessage } from '../message/receive.ts';
import { buildMdn } from './mdn.ts';

export type AccessTokenProvider = () => Promise<string>;

export interface SentMessage {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  /** The server's final reply, e.g. `250 2.0.0 OK … CODECDA=ok INS=ok …`. */
  readonly response: string;
  readonly composed: ComposedMessage;
}

export interface FetchedMessage {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly raw: Buffer;
  readonly message: ReceivedMessage;
}

function tlsOptions(env: MssEnvironment): { ca?: string; minVersion: 'TLSv1.2' } {
  return { minVersion: 'TLSv1.2', ...(env.ca === undefined ? {} : { ca: env.ca }) };
}

function smtpReply(err: unknown): string {
  const e = err as { response?: unknown; message?: unknown };
  return typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(err);
}

/** An IMAP connection on one mailbox (imapflow underneath, reachable as `flow`). Close it when done. */
export class ImapSession {
  readonly flow: ImapFlow;

  constructor(flow: ImapFlow) {
    this.flow = flow;
  }

  /** Messages of a folder, by UID (stable across sessions, unlike sequence numbers). */
  async fetch(folder = 'INBOX', options: { sinceUid?: number; uids?: readonly number[] } = {}): Promise<FetchedMessage[]> {
    const lock = await this.flow.getMailboxLock(folder);
    try {
      const range = options.uids ? options.uids.join(',') : `${(options.sinceUid ?? 0) + 1}:*`;
      if (range === '') return [];
      const out: FetchedMessage[] = [];
      for await (const m of this.flow.fetch(range, { uid: true, flags: true, source: true }, { uid: true })) {
        // `n:*` always names the last message, even below n (RFC 3501 §6.4.8).
        if (options.sinceUid !== undefined && m.uid <= options.sinceUid) continue;
        if (!m.source) continue;
        out.push({ uid: m.uid, flags: [...(m.flags ?? [])], raw: m.source, message: await readMessage(m.source) });
      }
      return out;
    } finally {
      lock.release();
    }
  }

  /**
   * Waits until a message the predicate accepts is in the folder (already there, or arriving:
   * IDLE, RFC 2177, re-armed by imapflow), or rejects with MESSAGE_TIMEOUT.
   */
  async waitFor(
    predicate: (m: ReceivedMessage) => boolean,
    options: { folder?: string; timeoutMs?: number } = {},
  ): Promise<FetchedMessage> {
    const folder = options.folder ?? 'INBOX';
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let sinceUid = 0;
    for (;;) {
      for (const m of await this.fetch(folder, { sinceUid })) {
        sinceUid = Math.max(sinceUid, m.uid);
        if (predicate(m.message)) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new MssClientError('MESSAGE_TIMEOUT', `no matching message arrived in ${folder} in time`);
      await this.#idleUntilNews(folder, left);
    }
  }

  /**
   * Selected and in IDLE until the server reports a new message (EXISTS), the connection closes, or
   * `ms` pass; the next command ends the IDLE.
   */
  async #idleUntilNews(folder: string, ms: number): Promise<void> {
    await this.flow.mailboxOpen(folder);
    let wake = (): void => undefined;
    let timer: NodeJS.Timeout | undefined;
    const news = new Promise<void>((resolve) => {
      wake = () => resolve();
      this.flow.on('exists', wake);
      this.flow.on('close', wake);
      timer = setTimeout(resolve, ms);
    });
    void this.flow.idle().catch(() => false);
    try {
      await news;
    } finally {
      clearTimeout(timer);
      this.flow.off('exists', wake);
      this.flow.off('close', wake);
    }
    if (!this.flow.usable) throw new MssClientError('IMAP_ERROR', 'the IMAP connection closed while waiting for a message');
  }

  async move(uid: number, toFolder: string, fromFolder = 'INBOX'): Promise<void> {
    const lock = await this.flow.getMailboxLock(fromFolder);
    try {
      await this.flow.messageMove(String(uid), toFolder, { uid: true });
    } finally {
      lock.release();
    }
  }

  async markSeen(uid: number, folder = 'INBOX'): Promise<void> {
    const lock = await this.flow.getMailboxLock(folder);
    try {
      await this.flow.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    } finally {
      lock.release();
    }
  }

  async close(): Promise<void> {
    await this.flow.logout().catch(() => this.flow.close());
  }
}

export class MailboxHandle {
  readonly address: string;
  readonly #env: MssEnvironment;
  readonly #token: AccessTokenProvider;
  readonly #nil: string | undefined;

  constructor(address: string, env: MssEnvironment, token: AccessTokenProvider, options: { nil?: string } = {}) {
    this.address = address;
    this.#env = env;
    this.#token = token;
    this.#nil = options.nil;
  }

  /** Sends as this mailbox (From: and MAIL FROM are always the mailbox opened). */
  async send(message: Omit<OutgoingMessage, 'from'>): Promise<SentMessage> {
    const composed = await composeMessage({ ...(this.#nil === undefined ? {} : { nil: this.#nil }), ...message, from: this.address });
    return this.sendComposed(composed);
  }

  async sendComposed(composed: ComposedMessage): Promise<SentMessage> {
    const { host, port } = hostPort(this.#env.smtp, 587);
    const transport = nodemailer.createTransport({
      host,
      port,
      secure: false,
      requireTLS: true,
      tls: tlsOptions(this.#env),
      auth: { type: 'OAuth2', user: this.address, accessToken: await this.#token() },
    });
    try {
      const info = await transport.sendMail(composed.mail);
      return {
        messageId: composed.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
        response: info.response,
        composed,
      };
    } catch (err) {
      const code = (err as { code?: unknown }).code === 'EAUTH' ? 'AUTHENTICATION_REFUSED' : 'SEND_REFUSED';
      throw new MssClientError(code, `${this.address}: ${smtpReply(err)}`, { cause: err });
    } finally {
      transport.close();
    }
  }

  /** Sends the read receipt a message asked for (RFC 8098), from this mailbox. */
  async sendReadReceipt(received: ReceivedMessage, options: { reportingUa?: string } = {}): Promise<SentMessage | null> {
    if (!received.readReceiptTo || !received.messageId) return null;
    const mdn = buildMdn({
      from: this.address,
      to: received.readReceiptTo,
      originalMessageId: received.messageId,
      originalSubject: received.subject,
      ...(options.reportingUa === undefined ? {} : { reportingUa: options.reportingUa }),
    });
    const composed: ComposedMessage = {
      mail: { envelope: { from: this.address, to: [received.readReceiptTo] }, raw: mdn.raw },
      messageId: mdn.messageId,
      mssHeaders: {},
      documents: [],
      envelope: { from: this.address, to: [received.readReceiptTo] },
    };
    return this.sendComposed(composed);
  }

  /** Opens an IMAP session on this mailbox. */
  async imap(): Promise<ImapSession> {
    const { host, port } = hostPort(this.#env.imap, 143);
    const flow = new ImapFlow({
      host,
      port,
      secure: false,
      doSTARTTLS: true,
      tls: tlsOptions(this.#env),
      auth: { user: this.address, accessToken: await this.#token() },
      logger: false,
    });
    flow.on('error', () => {
      // Reported to the caller through the pending command; an idle socket error needs no handler of its own.
    });
    try {
      await flow.connect();
    } catch (err) {
      const refused = (err as { authenticationFailed?: unknown }).authenticationFailed === true;
      throw new MssClientError(refused ? 'AUTHENTICATION_REFUSED' : 'IMAP_ERROR', `${this.address}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new ImapSession(flow);
  }

  /** Runs `work` on an IMAP session and closes it. */
  async withImap<T>(work: (session: ImapSession) => Promise<T>): Promise<T> {
    const session = await this.imap();
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }
}
