// The webmail's JMAP client (RFC 8620 core, RFC 8621 mail): the server side of the webmail speaks
// JMAP to the operator's JMAP endpoint with the person's own PSC access token, exactly as any
// other JMAP client would — same authentication, same decisions, same errors. Requests go through
// a transport (in the operator: fastify's inject, so the token never leaves the process and no
// URL from a request's Host header is ever followed).

export const CORE = 'urn:ietf:params:jmap:core';
export const MAIL = 'urn:ietf:params:jmap:mail';
export const SUBMISSION = 'urn:ietf:params:jmap:submission';
export const MSS_MAILBOX = 'urn:mss-operator:jmap:mailbox';

export interface TransportRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. /jmap/api */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}
export interface TransportResponse {
  status: number;
  contentType: string;
  body: Buffer;
}
export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

export interface JmapAccount {
  name: string;
  isPersonal: boolean;
  isReadOnly: boolean;
  accountCapabilities: Record<string, Record<string, unknown>>;
}

export interface JmapSessionResource {
  apiUrl: string;
  downloadUrl: string;
  uploadUrl: string;
  eventSourceUrl: string;
  accounts: Record<string, JmapAccount>;
  capabilities: Record<string, Record<string, unknown>>;
  state: string;
}

export type Invocation = [string, Record<string, unknown>, string];

/** A JMAP error: request level (RFC 8620 §3.6.1, a problem type) or method level (§3.6.2, `type`). */
export class JmapError extends Error {
  readonly type: string;
  readonly status: number;
  readonly detail: Record<string, unknown>;
  constructor(type: string, status: number, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.type = type;
    this.status = status;
    this.detail = detail;
  }
}

const pathOf = (url: string): string => {
  if (url.startsWith('/')) return url;
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/** RFC 6570 level-1 expansion of the session's URL templates (§2: {accountId}, {blobId}, {name}, {type}). */
export function expand(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(values[k] ?? ''));
}

export class JmapClient {
  readonly #transport: Transport;
  readonly #token: () => string;
  #session: JmapSessionResource | undefined;

  constructor(transport: Transport, token: () => string) {
    this.#transport = transport;
    this.#token = token;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.#token()}`, accept: 'application/json', ...extra };
  }

  async #send(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.#transport(req);
    if (res.status >= 400) {
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        // not a problem document
      }
      const type = typeof problem.type === 'string' ? problem.type : `http-${res.status}`;
      throw new JmapError(type, res.status, typeof problem.detail === 'string' ? problem.detail : `JMAP answered ${res.status}`, problem);
    }
    return res;
  }

  /** The session resource (RFC 8620 §2), fetched again when `fresh`. */
  async session(fresh = false): Promise<JmapSessionResource> {
    if (!this.#session || fresh) {
      const res = await this.#send({ method: 'GET', path: '/.well-known/jmap', headers: this.#headers() });
      this.#session = JSON.parse(res.body.toString('utf8')) as JmapSessionResource;
    }
    return this.#session;
  }

  /** The account of one mailbox address, or undefined when the session has none (lost or never held). */
  async accountFor(address: string, fresh = false): Promise<string | undefined> {
    const s = await this.session(fresh);
    const lower = address.toLowerCase();
    return Object.entries(s.accounts).find(([, a]) => a.name.toLowerCase() === lower)?.[0];
  }

  /** One API request (§3.3); a method error anywhere is thrown as a JmapError naming its type. */
  async call(using: string[], calls: Invocation[]): Promise<Map<string, Record<string, unknown>>> {
    const s = await this.session();
    const res = await this.#send({
      method: 'POST',
      path: pathOf(s.apiUrl),
      headers: this.#headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ using, methodCalls: calls }),
    });
    const answer = JSON.parse(res.body.toString('utf8')) as { methodResponses: Invocation[] };
    const out = new Map<string, Record<string, unknown>>();
    for (const [name, args, id] of answer.methodResponses) {
      if (name === 'error')
        throw new JmapError(
          String(args.type),
          200,
          `${id}: ${String(args.type)}${args.description ? ` (${String(args.description)})` : ''}`,
          args,
        );
      // Several responses may share a call id (an implicit call, §5.4): the first is the asked one.
      if (!out.has(id)) out.set(id, args);
      else out.set(`${id}:${name}`, args);
    }
    return out;
  }

  async download(accountId: string, blobId: string, name: string, type: string): Promise<TransportResponse> {
    const s = await this.session();
    return this.#send({
      method: 'GET',
      path: pathOf(expand(s.downloadUrl, { accountId, blobId, name, type })),
      headers: this.#headers({ accept: '*/*' }),
    });
  }

  async upload(accountId: string, content: Buffer, type: string): Promise<{ blobId: string; size: number; type: string }> {
    const s = await this.session();
    const res = await this.#send({
      method: 'POST',
      path: pathOf(expand(s.uploadUrl, { accountId })),
      headers: this.#headers({ 'content-type': type || 'application/octet-stream' }),
      body: content,
    });
    return JSON.parse(res.body.toString('utf8')) as { blobId: string; size: number; type: string };
  }
}
