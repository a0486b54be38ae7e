// Sends queued messages to the other operators of the trust space: over STARTTLS with this
// operator's certificate, verifying that the peer's certificate is from the trust space's CA and
// belongs to the operator running the recipient's domain (no plaintext fallback). Failures are
// retried with exponential backoff until a maximum age; then, or at once on a permanent
// refusal, the sender gets a DSN in its INBOX, written in the transaction that closes the rows.

import type tls from 'node:tls';
import type { Logger } from '@mss/runtime';
import type { QueueRow, Store } from '@mss/store';
import { operatorOfCertificate } from '@mss/trust-client';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { TrustSpace } from '../recipients.ts';
import { wantsDelayDsn, wantsFailureDsn, type FailedRecipient } from './dsn.ts';
import { fileDsn, writeDsn, type WrittenDsn } from './dsn-filing.ts';

export interface RoutingTrustSpace extends TrustSpace {
  /** The MX of a whitelisted domain, or undefined when it has none yet (the message waits). */
  routeFor(domain: string): { host: string; port: number } | undefined;
}

export interface RetryPolicy {
  /** Wait before the first retry; doubled at each attempt. Default 60 s. */
  firstDelayMs: number;
  /** Longest wait between attempts. Default 1 h. */
  maxDelayMs: number;
  /** Time in the queue after which a recipient is given up (DSN 4.4.7). Default 5 days, as Postfix. */
  maxAgeMs: number;
  /** Time in the queue after which the sender is warned once (a `delayed` DSN); 0: never. Default 4 h. */
  delayWarningMs: number;
}

export interface QueueRunnerOptions {
  store: Store;
  logger: Logger;
  trustSpace: RoutingTrustSpace;
  /** This operator's certificate (presented as client) and the trust space's CA. */
  tls: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer };
  /** EHLO name and Reporting-MTA. */
  name: string;
  operatorDomain: string;
  retry?: Partial<RetryPolicy>;
  /** How often the queue is looked at besides pokes. Default 2 s. */
  pollMs?: number;
  /** Rows claimed per round. Default 200. */
  batch?: number;
  /** Connections at once. Default 4. */
  concurrency?: number;
  /** How long a claimed row is ours before another sender may take it. Default 10 min. */
  leaseMs?: number;
  /**
   * This sender's name, stable across restarts (several nodes on one PostgreSQL database need
   * one each): at start it releases the rows it had claimed when it stopped. Default `local`.
   */
  node?: string;
  connectTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export interface RoundReport {
  delivered: number;
  deferred: number;
  failed: number;
}

type Outcome =
  | { kind: 'delivered'; rows: QueueRow[]; reply: string }
  | { kind: 'deferred'; rows: QueueRow[]; error: string }
  | { kind: 'failed'; rows: QueueRow[]; status: string; diagnostic: string; remoteMta: string | null };

const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 60_000, maxDelayMs: 3_600_000, maxAgeMs: 5 * 86_400_000, delayWarningMs: 4 * 3_600_000 };

/** RFC 3463 code in a reply, or a generic one by class. */
function statusOf(reply: string, code: number): string {
  const m = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (m) return m[1]!;
  return code >= 500 ? '5.0.0' : '4.0.0';
}

interface SmtpError extends Error {
  code?: string;
  /** The command the reply answered (nodemailer's `command`). */
  command?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

export class QueueRunner {
  private readonly o: QueueRunnerOptions;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RoundReport> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;

  constructor(options: QueueRunnerOptions) {
    this.o = options;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.logger.child({ service: 'smtpQueue' });
  }

  /** Releases this node's claims left by a crash, then sends what is due and polls. */
  async start(): Promise<void> {
    this.stopped = false;
    const released = await this.o.store.queue.releaseClaims(this.o.node ?? 'local');
    if (released > 0) this.log.info({ released }, 'smtp queue: rows claimed before the last stop are due again');
    this.timer = setInterval(() => this.poke(), this.o.pollMs ?? 2000);
    this.timer.unref();
    // Another process made something due (`mss queue retry`, another node): look now.
    this.unsubscribe = this.o.store.bus.subscribe('queue', () => this.poke());
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Something was queued or made due: look now (coalesced with a round under way). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: unknown) => {
        this.log.error({ err }, 'smtp queue round failed');
        return { delivered: 0, deferred: 0, failed: 0 };
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** One round over what is due now (tests and `mss queue retry` call it directly). */
  async round(): Promise<RoundReport> {
    const report: RoundReport = { delivered: 0, deferred: 0, failed: 0 };
    for (;;) {
      const rows = await this.o.store.queue.claimDue(this.o.batch ?? 200, this.o.leaseMs ?? 600_000, this.o.node ?? 'local');
      if (rows.length === 0) return report;
      const groups = new Map<string, QueueRow[]>();
      for (const r of rows) {
        const key = `${r.message_ref}\u0000${r.domain}\u0000${r.notify ?? ''}\u0000${r.orcpt ?? ''}`;
        const g = groups.get(key);
        if (g) g.push(r);
        else groups.set(key, [r]);
      }
      const pending = [...groups.values()];
      const workers = Array.from({ length: Math.min(this.o.concurrency ?? 4, pending.length) }, async () => {
        for (let g = pending.shift(); g; g = pending.shift()) {
          for (const outcome of await this.attempt(g)) {
            await this.record(outcome);
            report[outcome.kind] += outcome.rows.length;
          }
        }
      });
      await Promise.all(workers);
      if (this.stopped) return report;
    }
  }

  /** One delivery attempt for the recipients of one message at one domain. */
  private async attempt(rows: QueueRow[]): Promise<Outcome[]> {
    const first = rows[0]!;
    const domain = first.domain;
    const now = this.o.store.now();
    if (now.getTime() - Date.parse(first.created_at) >= this.retry.maxAgeMs) {
      return [
        {
          kind: 'failed',
          rows,
          status: '4.4.7',
          diagnostic: `delivery time expired (${first.last_error ?? 'never delivered'})`,
          remoteMta: null,
        },
      ];
    }
    if (!this.o.trustSpace.isWhitelisted(domain)) {
      return [{ kind: 'failed', rows, status: '5.7.1', diagnostic: `${domain} is no longer in the MSSante trust space`, remoteMta: null }];
    }
    const route = this.o.trustSpace.routeFor(domain);
    if (!route) return [{ kind: 'deferred', rows, error: `no route to ${domain} in the trust space yet` }];
    const mta = `${route.host}:${route.port}`;
    try {
      const info = await this.send(rows, route);
      const byAddress = new Map(rows.map((r) => [r.recipient.toLowerCase(), r]));
      const out: Outcome[] = [];
      const accepted = (info.accepted as string[]).map((a) => byAddress.get(a.toLowerCase())).filter((r): r is QueueRow => !!r);
      if (accepted.length) out.push({ kind: 'delivered', rows: accepted, reply: info.response });
      for (const e of (info.rejectedErrors ?? []) as SmtpError[])
        out.push(...this.refused(e, e.recipient ? [byAddress.get(e.recipient.toLowerCase())!].filter(Boolean) : [], mta));
      return out;
    } catch (err) {
      const e = err as SmtpError;
      if (e.rejectedErrors?.length) {
        const byAddress = new Map(rows.map((r) => [r.recipient.toLowerCase(), r]));
        return e.rejectedErrors.flatMap((x) =>
          this.refused(x, x.recipient ? [byAddress.get(x.recipient.toLowerCase())!].filter(Boolean) : [], mta),
        );
      }
      return this.refused(e, rows, mta);
    }
  }

  private refused(e: SmtpError, rows: QueueRow[], mta: string): Outcome[] {
    if (rows.length === 0) return [];
    const reply = (e.response ?? '').trim();
    // Only a refusal of the envelope or of the message is final; TLS, connection and protocol
    // trouble (a peer without STARTTLS, a bad certificate) may be mended on their side: retry.
    const aboutTheMessage = e.code === 'EENVELOPE' || e.code === 'EMESSAGE';
    if (aboutTheMessage && e.responseCode && e.responseCode >= 500) {
      return [{ kind: 'failed', rows, status: statusOf(reply, e.responseCode), diagnostic: reply || e.message, remoteMta: mta }];
    }
    const after = e.command && e.command !== 'API' && e.command !== 'CONN' ? ` (to ${e.command})` : '';
    return [{ kind: 'deferred', rows, error: reply ? `${mta} said: ${reply}${after}` : `${mta}: ${e.code ?? 'error'} ${e.message}` }];
  }

  private send(
    rows: QueueRow[],
    route: { host: string; port: number },
  ): Promise<{ accepted: string[]; rejected: string[]; rejectedErrors?: SmtpError[]; response: string }> {
    const first = rows[0]!;
    const trust = this.o.trustSpace;
    const wanted = trust.operatorFor(first.domain);
    const connection = new SMTPConnection({
      host: route.host,
      port: route.port,
      secure: false,
      requireTLS: true,
      name: this.o.name,
      connectionTimeout: this.o.connectTimeoutMs ?? 10_000,
      greetingTimeout: this.o.connectTimeoutMs ?? 10_000,
      socketTimeout: this.o.socketTimeoutMs ?? 60_000,
      logger: false,
      tls: {
        ca: [this.o.tls.ca],
        cert: this.o.tls.cert,
        key: this.o.tls.key,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        // The MX is reached by address in the sandbox: what matters is that the certificate is
        // the trust space's and belongs to the operator that runs the recipient's domain.
        checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => {
          const domain = cert.raw ? operatorOfCertificate(cert.raw) : undefined;
          if (!domain || trust.operatorFor(domain) !== wanted) {
            return new Error(
              `the server certificate (${domain ?? 'no operator'}) is not that of the operator of ${first.domain} (${wanted ?? 'unknown'})`,
            );
          }
          return undefined;
        },
      },
    });
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (
        err: SmtpError | null,
        info?: { accepted: string[]; rejected: string[]; rejectedErrors?: SmtpError[]; response: string },
      ): void => {
        if (done) return;
        done = true;
        if (err) {
          connection.close();
          reject(err);
        } else {
          connection.quit();
          resolve(info!);
        }
      };
      connection.once('error', (err: SmtpError) => finish(err));
      connection.once('end', () => finish(Object.assign(new Error('connection closed by the server'), { code: 'ECONNECTION' })));
      connection.connect(() => {
        const notify = first.notify ? (first.notify.split(',') as ('SUCCESS' | 'FAILURE' | 'DELAY' | 'NEVER')[]) : undefined;
        const envelope = {
          from: first.mail_from,
          to: rows.map((r) => r.recipient),
          size: Number(first.size),
          use8BitMime: first.body_type.toUpperCase() === '8BITMIME',
          dsn: {
            ...(first.ret ? { ret: first.ret as 'FULL' | 'HDRS' } : {}),
            ...(first.envid ? { envid: first.envid } : {}),
            ...(notify ? { notify } : {}),
            ...(first.orcpt ? { orcpt: first.orcpt } : {}),
          },
        };
        const stream = this.o.store.blobs.createReadStream(first.blob_hash);
        stream.once('error', (err) => finish(Object.assign(err, { code: 'EBLOB' })));
        connection.send(envelope as never, stream, (err, info) => finish(err as SmtpError | null, info as never));
      });
    });
  }

  private nextAttempt(row: QueueRow, now: Date): Date {
    const delay = Math.min(this.retry.maxDelayMs, this.retry.firstDelayMs * 2 ** Math.min(row.attempts, 30));
    const jittered = delay * (0.9 + Math.random() * 0.2);
    // Never sleep past the maximum age: the expiry DSN should not wait for the next retry.
    const expiry = Date.parse(row.created_at) + this.retry.maxAgeMs;
    return new Date(Math.min(now.getTime() + jittered, expiry));
  }

  private async record(outcome: Outcome): Promise<void> {
    const { store } = this.o;
    const ids = outcome.rows.map((r) => r.id);
    const first = outcome.rows[0]!;
    if (outcome.kind === 'delivered') {
      await store.queue.markDelivered(ids, outcome.reply);
      this.log.info(
        { id: first.message_ref, domain: first.domain, recipients: ids.length, reply: outcome.reply },
        'smtp relayed to another operator',
      );
      return;
    }
    if (outcome.kind === 'deferred') {
      const now = store.now();
      const next = this.nextAttempt(first, now);
      const warning = await this.delayWarning(outcome, now);
      let warned: number | undefined;
      await store.transaction(async (tx) => {
        await tx.queue.markDeferred(ids, outcome.error, next);
        if (warning) warned = await fileDsn(tx, Number(first.sender_mailbox_id), warning);
      });
      if (warned !== undefined) store.notifyFolderChanged(warned);
      this.log.info(
        {
          id: first.message_ref,
          domain: first.domain,
          recipients: ids.length,
          error: outcome.error,
          next: next.toISOString(),
          attempts: first.attempts + 1,
        },
        'smtp delivery deferred',
      );
      return;
    }
    await this.fail(outcome);
  }

  /**
   * The delay warning this deferral owes, if any: once per row, at the first deferral past
   * `delayWarningMs` in the queue (the attempt before it was still short of it), so no flag is
   * kept; written durable before the transaction that files it with the deferral.
   */
  private async delayWarning(outcome: Extract<Outcome, { kind: 'deferred' }>, now: Date): Promise<WrittenDsn | undefined> {
    const w = this.retry.delayWarningMs;
    if (w <= 0) return undefined;
    const crossed = outcome.rows.filter((r) => {
      if (r.mail_from === '' || !wantsDelayDsn(r.notify)) return false;
      const created = Date.parse(r.created_at);
      const previous = r.last_attempt_at ? Date.parse(r.last_attempt_at) : created;
      return now.getTime() - created >= w && previous - created < w;
    });
    if (crossed.length === 0) return undefined;
    const first = crossed[0]!;
    const status = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(outcome.error)?.[1]?.replace(/^5/, '4') ?? '4.4.1';
    const willRetryUntil = new Date(Date.parse(first.created_at) + this.retry.maxAgeMs);
    return this.writeDsn(
      first,
      crossed.map((r) => ({
        recipient: r.recipient,
        orcpt: r.orcpt,
        action: 'delayed' as const,
        status,
        diagnostic: outcome.error,
        remoteMta: null,
        lastAttempt: now,
        willRetryUntil,
      })),
    );
  }

  private writeDsn(first: QueueRow, recipients: FailedRecipient[]): Promise<WrittenDsn> {
    return writeDsn(this.o.store, {
      reportingMta: this.o.name,
      operatorDomain: this.o.operatorDomain,
      messageRef: first.message_ref,
      envid: first.envid,
      arrivalDate: new Date(first.created_at),
      ret: first.ret,
      originalHash: first.blob_hash,
      sender: first.sender_address,
      recipients,
      now: this.o.store.now(),
    });
  }

  /** Closes the rows and puts the DSN in the sender's INBOX, all in one transaction. */
  private async fail(outcome: Extract<Outcome, { kind: 'failed' }>): Promise<void> {
    const { store } = this.o;
    const first = outcome.rows[0]!;
    const ids = outcome.rows.map((r) => r.id);
    const recipients: FailedRecipient[] = outcome.rows
      .filter((r) => wantsFailureDsn(r.notify))
      .map((r) => ({
        recipient: r.recipient,
        orcpt: r.orcpt,
        status: outcome.status,
        diagnostic: outcome.diagnostic,
        remoteMta: outcome.remoteMta,
        lastAttempt: r.last_attempt_at ? new Date(r.last_attempt_at) : null,
      }));
    const dsn = recipients.length > 0 ? await this.writeDsn(first, recipients) : undefined;
    const folderId = await store.transaction(async (tx) => {
      await tx.queue.markFailed(ids, `${outcome.status} ${outcome.diagnostic}`, outcome.status !== '4.4.7');
      return dsn ? fileDsn(tx, Number(first.sender_mailbox_id), dsn) : undefined;
    });
    if (folderId !== undefined) store.notifyFolderChanged(folderId);
    this.log.info(
      {
        id: first.message_ref,
        domain: first.domain,
        recipients: ids.length,
        status: outcome.status,
        diagnostic: outcome.diagnostic,
        dsn: folderId !== undefined,
      },
      'smtp delivery failed',
    );
  }
}
