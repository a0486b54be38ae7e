// EmailSubmission through the operator's own SMTP submission listener (the API LPS's), as the
// person's mail software would: STARTTLS, AUTH XOAUTH2 with the person's Pro Santé Connect token
// for the account's mailbox, MAIL FROM, RCPT TO, DATA. So sending from JMAP passes the very
// checks sending over SMTP does — sender binding, trust-space recipients, the X-MSS checks,
// local delivery, the queue and its DSNs, the author recorded for a CAB (R-CAB-9) — and a change
// to those rules cannot miss JMAP.

import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { Submitter } from './methods/context.ts';

export interface SmtpSubmitterOptions {
  host: string;
  port: number;
  /** The CA the listener's certificate is checked against (the trust space's). */
  ca: string;
  /** The name the listener's certificate carries (the operator's domain). */
  servername?: string;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
  rejectedErrors?: SmtpError[];
}

export function smtpSubmitter(options: SmtpSubmitterOptions): Submitter {
  return async (req) => {
    const conn = new SMTPConnection({
      host: options.host,
      port: options.port,
      secure: false,
      requireTLS: true,
      tls: { ca: options.ca, ...(options.servername ? { servername: options.servername } : {}) },
      connectionTimeout: 30_000,
      socketTimeout: 60_000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        conn.once('error', reject);
        conn.connect(() => resolve());
      });
      // SASL XOAUTH2 (the mechanism the listener offers for PSC tokens), built here: nodemailer's
      // connection asks an `oauth2` provider for the token and the initial response.
      const user = req.account.address;
      const oauth2 = {
        getToken: (_retry: boolean, cb: (err: Error | null, token?: string) => void) => cb(null, req.token),
        buildXOAuth2Token: (token: string) => Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64'),
      };
      await new Promise<void>((resolve, reject) =>
        conn.login({ type: 'OAuth2', user, oauth2 } as never, (err) => (err ? reject(err) : resolve())),
      );
      const info = await new Promise<{ accepted: string[]; rejected: string[]; rejectedErrors?: SmtpError[]; response: string }>(
        (resolve, reject) =>
          conn.send({ from: req.mailFrom, to: req.rcptTo }, req.raw, (err, i) => (err ? reject(err) : resolve(i as never))),
      );
      return {
        ok: true,
        response: info.response,
        accepted: info.accepted.map(String),
        rejected: (info.rejectedErrors ?? []).map((e) => ({
          email: String((e as { recipient?: string }).recipient ?? ''),
          reply: e.response ?? '',
        })),
      };
    } catch (err) {
      const e = err as SmtpError;
      const reply = e.response ?? e.message;
      if (e.command === 'AUTH XOAUTH2' || e.code === 'EAUTH') return { ok: false, type: 'forbiddenToSend', description: reply };
      if (e.command === 'MAIL FROM') return { ok: false, type: 'forbiddenFrom', description: reply };
      if (e.rejected && e.rejected.length > 0) {
        return { ok: false, type: 'invalidRecipients', description: reply, invalidRecipients: e.rejected.map(String) };
      }
      if (e.responseCode === 552) return { ok: false, type: 'tooLarge', description: reply };
      if (e.responseCode && e.responseCode >= 400) return { ok: false, type: 'forbiddenToSend', description: reply };
      throw err;
    } finally {
      conn.quit();
      conn.close();
    }
  };
}
