// One client session: framing the byte stream, dispatching operations, answering them in order
// of completion, and ending the session as RFC 4511 §4.1.1 and §4.4.1 describe.

import type { Socket } from 'node:net';
import type { Logger } from '@mss/runtime';
import { BerError } from './ber.ts';
import { MessageFramer } from './framing.ts';
import {
  decodeMessage,
  type DecodeLimits,
  encodeBindResponse,
  encodeExtendedResponse,
  encodeNoticeOfDisconnection,
  encodeResult,
  type LdapMessage,
  type LdapRequest,
  OID,
  OpTag,
} from './messages.ts';
import { ResultCode } from './result-codes.ts';
import { SUPPORTED_CONTROLS } from './root-dse.ts';
import { type ResponseChannel, runSearch, type SearchSettings, StopReason, untilAborted } from './search.ts';

export interface ConnectionSettings extends SearchSettings {
  decodeLimits: DecodeLimits;
  maxMessageBytes: number;
  /** With no complete request and nothing in progress for this long, the session is closed. */
  idleTimeoutMs: number;
  /** Operations in progress at once; beyond, the connection stops reading until one ends. */
  maxOperations: number;
}

/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

export class LdapConnection implements ResponseChannel {
  private readonly socket: Socket;
  private readonly settings: ConnectionSettings;
  private readonly logger: Logger;
  private readonly framer: MessageFramer;
  private readonly operations = new Map<number, AbortController>();
  private drained: Promise<void> | null = null;
  private closing = false;
  private closed = false;
  private readPaused = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /**
   * Restarted by each complete request and each operation's end, not by bytes: a client that
   * sends half a message, or trickles one byte at a time, is still idle (issue #12).
   */
  private readonly idleTimer: NodeJS.Timeout;
  readonly finished: Promise<void>;

  constructor(socket: Socket, settings: ConnectionSettings, logger: Logger) {
    this.socket = socket;
    this.settings = settings;
    this.logger = logger;
    this.framer = new MessageFramer(settings.maxMessageBytes);
    this.finished = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    this.idleTimer = setTimeout(() => this.onIdle(), settings.idleTimeoutMs);
    this.idleTimer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => logger.debug({ err }, 'connection error'));
    socket.on('close', () => this.onClose());
  }

  send(message: Buffer, signal?: AbortSignal): boolean | Promise<boolean> {
    if (this.closed) return false;
    // The messages of one turn (a search's entries and its SearchResultDone) leave in one write
    // of one buffer: one system call and one TCP segment instead of one each.
    this.pending.push(message);
    this.pendingBytes += message.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushTurn);
    }
    if (this.pendingBytes + this.socket.writableLength < this.socket.writableHighWaterMark) return true;
    if (this.flush()) return true;
    // The kernel and Node buffers are full: wait until the client has read, so the producer
    // (a search) pauses instead of queueing its whole result set in memory.
    return this.afterDrain(signal);
  }

  private async afterDrain(signal: AbortSignal | undefined): Promise<boolean> {
    const drained = this.waitForDrain();
    if (signal === undefined) await drained;
    else await untilAborted(drained, signal);
    return !this.closed && !(signal?.aborted ?? false);
  }

  private readonly flushTurn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Writes what is pending; false when the socket asks the writer to wait for 'drain'. */
  private flush(): boolean {
    if (this.pending.length === 0) return !this.socket.writableNeedDrain;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.closed || this.socket.writableEnded) return false;
    return this.socket.write(data);
  }

  private waitForDrain(): Promise<void> {
    this.drained ??= new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.drained = null;
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return this.drained;
  }

  /** Ends the session with a Notice of Disconnection (RFC 4511 §4.4.1). */
  disconnect(resultCode: number, reason: string): void {
    if (this.closing) return;
    this.logger.debug({ resultCode, reason }, 'notice of disconnection');
    this.flush();
    if (!this.closed) this.socket.write(encodeNoticeOfDisconnection(resultCode, reason));
    this.close();
  }

  /** Ends the session without a word, as after an unbind or an idle timeout. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.abortAll(StopReason.closed);
    this.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.framer.push(chunk);
    this.pump();
  }

  /** Dispatches buffered messages while the number of operations in progress allows it. */
  private pump(): void {
    try {
      while (!this.closing) {
        if (this.operations.size >= this.settings.maxOperations) {
          this.pauseReading();
          return;
        }
        if (this.socket.writableNeedDrain) {
          // Responses are piling up unread: stop taking requests until the client catches up,
          // or a client that pipelines without reading would make us buffer without bound.
          this.pauseReading();
          void this.waitForDrain().then(() => this.pump());
          return;
        }
        const frame = this.framer.next();
        if (frame === null) break;
        this.idleTimer.refresh();
        this.dispatch(decodeMessage(frame, this.settings.decodeLimits));
      }
      this.resumeReading();
    } catch (err) {
      if (err instanceof BerError) {
        this.disconnect(ResultCode.protocolError, `malformed LDAP message: ${err.message}`);
      } else {
        this.logger.error({ err }, 'unexpected failure while handling an LDAP message');
        this.disconnect(ResultCode.other, 'internal error');
      }
    }
  }

  private pauseReading(): void {
    if (!this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  private resumeReading(): void {
    if (this.readPaused && !this.closing) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private respond(message: Buffer): void {
    void this.send(message);
  }

  private dispatch(message: LdapMessage): void {
    const { messageId, request } = message;
    const refused = message.controls.find((control) => control.critical && !SUPPORTED_CONTROLS.includes(control.type));
    const responseTag = responseTagOf(request);
    if (refused !== undefined && responseTag !== undefined) {
      this.respond(
        encodeResult(messageId, responseTag, {
          resultCode: ResultCode.unavailableCriticalExtension,
          diagnosticMessage: `critical control ${refused.type} is not supported`,
        }),
      );
      return;
    }
    switch (request.type) {
      case 'bind':
        this.respond(encodeBindResponse(messageId, bindResult(request)));
        return;
      case 'unbind':
        this.close();
        return;
      case 'abandon':
        this.operations.get(request.messageId)?.abort(StopReason.abandoned);
        return;
      case 'extended':
        this.respond(encodeExtendedResponse(messageId, extendedResult(request.name)));
        return;
      case 'update':
        this.respond(
          encodeResult(messageId, request.responseTag, {
            resultCode: ResultCode.unwillingToPerform,
            diagnosticMessage: `${request.operation}: the directory is read-only over LDAP`,
          }),
        );
        return;
      case 'invalid':
        this.respond(
          encodeResult(messageId, request.responseTag, { resultCode: request.resultCode, diagnosticMessage: request.diagnosticMessage }),
        );
        return;
      case 'search': {
        if (this.operations.has(messageId)) {
          this.respond(
            encodeResult(messageId, OpTag.searchResultDone, {
              resultCode: ResultCode.protocolError,
              diagnosticMessage: `message ID ${messageId} is already in use`,
            }),
          );
          return;
        }
        const controller = new AbortController();
        this.operations.set(messageId, controller);
        runSearch(this.settings, this, messageId, request, controller.signal, this.logger)
          .catch((err: unknown) => this.logger.error({ err, messageId }, 'search failed'))
          .finally(() => {
            this.operations.delete(messageId);
            this.idleTimer.refresh();
            if (!this.closing) this.pump();
          });
        return;
      }
    }
  }

  private onIdle(): void {
    // Time spent waiting on a slow source or a slow reader is the time limit's business.
    if (this.operations.size > 0) {
      this.idleTimer.refresh();
      return;
    }
    this.logger.debug('idle timeout');
    this.close();
  }

  private onClose(): void {
    clearTimeout(this.idleTimer);
    this.closed = true;
    this.closing = true;
    this.abortAll(StopReason.closed);
  }

  private abortAll(reason: string): void {
    for (const controller of this.operations.values()) controller.abort(reason);
  }
}

function responseTagOf(request: LdapRequest): number | undefined {
  switch (request.type) {
    case 'bind':
      return OpTag.bindResponse;
    case 'search':
      return OpTag.searchResultDone;
    case 'extended':
      return OpTag.extendedResponse;
    case 'update':
    case 'invalid':
      return request.responseTag;
    case 'unbind':
    case 'abandon':
      return undefined;
  }
}

function bindResult(request: Extract<LdapRequest, { type: 'bind' }>): { resultCode: number; diagnosticMessage?: string } {
  if (request.version !== 3) return { resultCode: ResultCode.protocolError, diagnosticMessage: 'only LDAP version 3 is supported' };
  if (request.authentication.method === 'sasl') {
    return {
      resultCode: ResultCode.authMethodNotSupported,
      diagnosticMessage: 'SASL is not supported; bind anonymously (empty name and password)',
    };
  }
  const password = request.authentication.password;
  if (request.name === '' && password.length === 0) return { resultCode: ResultCode.success };
  // RFC 4513 §5.1.2: a name without a password is an "unauthenticated" bind, refused by default.
  if (password.length === 0)
    return { resultCode: ResultCode.unwillingToPerform, diagnosticMessage: 'unauthenticated binds are not allowed; bind anonymously' };
  return { resultCode: ResultCode.invalidCredentials, diagnosticMessage: 'only anonymous binds are accepted (empty name and password)' };
}

function extendedResult(name: string): { resultCode: number; diagnosticMessage?: string; responseValue?: string } {
  // RFC 4532: the authorization identity of an anonymous session is the empty string.
  if (name === OID.whoAmI) return { resultCode: ResultCode.success, responseValue: '' };
  if (name === OID.startTls) return { resultCode: ResultCode.protocolError, diagnosticMessage: 'StartTLS is not offered by this stand-in' };
  return { resultCode: ResultCode.protocolError, diagnosticMessage: `unsupported extended operation ${name}` };
}
