// The SDK's entry point: one object per software installation, holding the environment, the PSC
// client and the token cache; `person(idnat)` gives what that person may use, one mailbox
// handle per mailbox they may open (PER, CAB as owner or cotitulaire, delegated ones…).

import type { MssEnvironment } from './environment.ts';
import { MssClientError } from './errors.ts';
import { MailboxHandle } from './mail/mailbox.ts';
import { PscClient } from './psc/psc-client.ts';
import { TokenCache, type TokenCacheOptions } from './psc/token-cache.ts';

export interface MssClientOptions {
  readonly environment: MssEnvironment;
  /** The software's PSC client registration (CIBA: with its secret). */
  readonly psc: { readonly clientId: string; readonly clientSecret?: string };
  /** X-MSS-NIL written on every message: the software's product reference (Ref. #2). */
  readonly nil?: string;
  readonly tokens?: TokenCacheOptions;
}

export interface OpenableMailbox {
  readonly address: string;
  readonly type: 'PER' | 'ORG' | 'APP' | 'CAB';
  /** What the person is to it: holder, owner, cotitulaire, delegate, responsible… (the operator's word). */
  readonly role: string;
  readonly status: string;
  readonly endAt?: string | null;
}

export class PersonSession {
  readonly idnat: string;
  readonly #client: MssClient;

  constructor(client: MssClient, idnat: string) {
    this.#client = client;
    this.idnat = idnat;
  }

  accessToken(): Promise<string> {
    return this.#client.tokens.accessToken(this.idnat);
  }

  /** A handle on one mailbox; the operator decides at login whether this person may open it (R-AUTH-2). */
  mailbox(address: string): MailboxHandle {
    return new MailboxHandle(address, this.#client.environment, () => this.accessToken(), {
      ...(this.#client.nil === undefined ? {} : { nil: this.#client.nil }),
    });
  }

  /**
   * The mailboxes this person may open, as the operator lists them (`GET /api/v1/mailboxes` of
   * this project's governance API; other operators may publish no such list).
   */
  async mailboxes(): Promise<OpenableMailbox[]> {
    const api = this.#client.environment.adminApi;
    if (!api) throw new MssClientError('NOT_FOUND', 'this environment has no governance API to list mailboxes (adminApi)');
    const res = await fetch(`${api.replace(/\/+$/, '')}/api/v1/mailboxes`, {
      headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' },
    });
    if (!res.ok) throw new MssClientError('AUTHENTICATION_REFUSED', `the operator refused the list of mailboxes (HTTP ${res.status})`);
    const body = (await res.json()) as { mailboxes: OpenableMailbox[] };
    return body.mailboxes.filter((m) => m.status === 'active');
  }

  /** One handle per mailbox the person may open. */
  async openableMailboxes(): Promise<MailboxHandle[]> {
    return (await this.mailboxes()).map((m) => this.mailbox(m.address));
  }
}

export class MssClient {
  readonly environment: MssEnvironment;
  readonly psc: PscClient;
  readonly tokens: TokenCache;
  readonly nil: string | undefined;

  private constructor(options: MssClientOptions, psc: PscClient) {
    this.environment = options.environment;
    this.psc = psc;
    this.tokens = new TokenCache(psc, options.tokens);
    this.nil = options.nil;
  }

  static async connect(options: MssClientOptions): Promise<MssClient> {
    const psc = await PscClient.connect({
      issuer: options.environment.pscIssuer,
      clientId: options.psc.clientId,
      ...(options.psc.clientSecret === undefined ? {} : { clientSecret: options.psc.clientSecret }),
    });
    return new MssClient(options, psc);
  }

  person(idnat: string): PersonSession {
    return new PersonSession(this, idnat);
  }
}
