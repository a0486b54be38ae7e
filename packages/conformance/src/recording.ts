// What the kit records of the software under test, protocol by protocol, with secrets redacted
// at the moment they are read (tokens, client secrets, passwords never reach a report).

export type Channel = 'smtp' | 'imap' | 'ldap' | 'fhir' | 'psc';

/** One line of a mail session as the report shows it (`C:` client, `S:` server). */
export interface Line {
  readonly at: number;
  readonly from: 'client' | 'server';
  readonly tls: boolean;
  readonly text: string;
}

export interface TokenFacts {
  /** The person the PSC token names (SubjectNameID), read without checking it: the operator checks. */
  readonly idnat: string | null;
  readonly expiresAt: number | null;
}

export interface SaslAttempt {
  readonly at: number;
  readonly mechanism: string;
  readonly tls: boolean;
  /** The decoded client response with the token replaced, `^A` for 0x01: the evidence. */
  readonly shown: string;
  /** Empty when the response is exactly as the mechanism defines it. */
  readonly problems: readonly string[];
  readonly user: string | null;
  readonly token: TokenFacts | null;
  /** Set once the server answered. */
  accepted: boolean | null;
}

export interface SmtpTransaction {
  readonly at: number;
  mailFrom: string | null;
  readonly rcptTo: string[];
  data: Buffer | null;
  /** The reply to the end of DATA. */
  reply: string | null;
}

export interface ImapCommand {
  readonly at: number;
  readonly tag: string;
  /** Upper case, `UID FETCH` as two words. */
  readonly name: string;
  readonly line: string;
  readonly tls: boolean;
  status: 'OK' | 'NO' | 'BAD' | null;
}

export interface MailSession {
  readonly id: number;
  readonly channel: 'smtp' | 'imap';
  readonly lines: Line[];
  readonly sasl: SaslAttempt[];
  /** Plain-text logins (IMAP LOGIN, SMTP AUTH LOGIN/PLAIN): the password is never kept. */
  readonly passwordLogins: { at: number; command: string; tls: boolean }[];
  readonly transactions: SmtpTransaction[];
  readonly commands: ImapCommand[];
  /** The mailbox the session authenticated as, once accepted. */
  user: string | null;
  startTlsAt: number | null;
}

export interface LdapSearch {
  readonly at: number;
  readonly session: number;
  readonly base: string;
  readonly scope: string;
  readonly sizeLimit: number;
  readonly timeLimit: number;
  readonly filter: string;
}

export interface HttpExchange {
  readonly at: number;
  readonly channel: 'fhir' | 'psc';
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly url: string;
  readonly headers: { readonly apiKey: boolean; readonly authorization: string | null };
  /** Form fields, secrets redacted. */
  readonly form: Readonly<Record<string, string>> | null;
  status: number;
  /** What matters of the answer: error code, next link, interval, expires_in… never a token. */
  response: Readonly<Record<string, unknown>>;
}

export class Recording {
  readonly startedAt = Date.now();
  readonly mail: MailSession[] = [];
  readonly ldap: LdapSearch[] = [];
  readonly http: HttpExchange[] = [];
  #ids = 0;

  newMailSession(channel: 'smtp' | 'imap'): MailSession {
    const s: MailSession = {
      id: ++this.#ids,
      channel,
      lines: [],
      sasl: [],
      passwordLogins: [],
      transactions: [],
      commands: [],
      user: null,
      startTlsAt: null,
    };
    this.mail.push(s);
    return s;
  }

  nextId(): number {
    return ++this.#ids;
  }
}

/** The payload of a JWT, unchecked (only to say whose token it is and until when). */
export function tokenFacts(token: string): TokenFacts {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      SubjectNameID?: unknown;
      exp?: unknown;
    };
    return {
      idnat: typeof payload.SubjectNameID === 'string' ? payload.SubjectNameID : null,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
    };
  } catch {
    return { idnat: null, expiresAt: null };
  }
}
