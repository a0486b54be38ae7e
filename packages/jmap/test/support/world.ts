import type { AddressInfo } from 'node:net';
import { AccessControl, createTokenValidator } from '@mss/access';
import { Governance } from '@mss/governance';
import { startImapServer, type RunningImapServer } from '@mss/imap';
import { cibaToken, startPsc, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import type { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerJmap, smtpSubmitter } from '../../src/index.ts';
import { startSubmissionServer, type RunningSubmissionServer } from '@mss/smtp';
import { D, testCertificate } from '../../../imap/test/support/imap-world.ts';

// The demo personas and mailboxes (seedDemo), as the IMAP tests name them.
export { CAB, CLAIRE, D, GP, JULIE, MARC, PER, SOPHIE } from '../../../imap/test/support/imap-world.ts';

export interface JmapWorld {
  store: Store;
  psc: RunningPsc;
  app: FastifyInstance;
  imap: RunningImapServer;
  smtp: RunningSubmissionServer;
  /** The listeners' self-signed certificate (their CA, for TLS clients). */
  cert: { cert: string; key: string };
  access: AccessControl;
  gov: Governance;
  /** http://127.0.0.1:port */
  base: string;
  token(idnat: string): Promise<string>;
  close(): Promise<void>;
}

/** The operator's HTTP server (admin API with JMAP) and IMAP over one store, with the PSC stand-in. */
export async function startJmapWorld(): Promise<JmapWorld> {
  const { store, dataDir, cleanup } = await openTestStore();
  await seedDemo(store, D);
  const logger = silentLogger();
  const psc = await startPsc({ store, logger, host: '127.0.0.1', port: 0, dataDir });
  const access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const gov = new Governance({ store, access, operatorDomains: [D] });
  const tokenValidator = createTokenValidator({ issuer: psc.issuer });
  const cert = testCertificate();
  const smtp = await startSubmissionServer({
    store,
    access,
    tokenValidator,
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: cert,
    operatorDomains: [D],
  });
  // As the admin API mounts it (packages/admin-api/src/server.ts), without the package cycle a test import would make.
  const app = Fastify();
  const jmap = await registerJmap(app, {
    store,
    access,
    tokenValidator,
    logger,
    candidates: (p) => (p.kind === 'person' ? gov.myMailboxes(p.idnat) : Promise.resolve([])),
    submit: smtpSubmitter({ host: '127.0.0.1', port: smtp.port, ca: cert.cert }),
  });
  app.addHook('onClose', async () => jmap.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const imap = await startImapServer({ store, access, tokenValidator, logger, host: '127.0.0.1', port: 0, tls: cert });
  return {
    store,
    psc,
    app,
    imap,
    smtp,
    cert,
    access,
    gov,
    base: `http://127.0.0.1:${port}`,
    token: async (idnat) => (await cibaToken({ pscUrl: psc.url, idnat })).access_token,
    async close() {
      await imap.stop();
      await smtp.stop();
      await app.close();
      await psc.stop();
      await cleanup();
    },
  };
}

/** A JMAP API call over real HTTP (fetch); returns status, headers and parsed JSON. */
export async function api(
  world: JmapWorld,
  token: string,
  body: unknown,
  init: { raw?: string; contentType?: string } = {},
): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const res = await fetch(`${world.base}/jmap/api`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': init.contentType ?? 'application/json' },
    body: init.raw ?? JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as Record<string, unknown> };
}

export const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail', 'urn:ietf:params:jmap:submission'];

/** The method responses of a request, by call id (a second response to one call, e.g. an implicit Email/set, as `id/name`). */
export async function calls(
  world: JmapWorld,
  token: string,
  methodCalls: unknown[],
): Promise<Map<string, [string, Record<string, unknown>]>> {
  const r = await api(world, token, { using: USING, methodCalls });
  if (r.status !== 200) throw new Error(`JMAP request failed ${r.status}: ${JSON.stringify(r.json)}`);
  const out = new Map<string, [string, Record<string, unknown>]>();
  for (const [name, args, id] of r.json.methodResponses as [string, Record<string, unknown>, string][])
    out.set(out.has(id) ? `${id}/${name}` : id, [name, args]);
  return out;
}

export interface PushStream {
  /** The next `state` event whose data passes `accept` (RFC 8620 §7.3 StateChange). */
  next(accept?: (change: Record<string, Record<string, string>>) => boolean): Promise<Record<string, Record<string, string>>>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** An EventSource connection read with fetch (the same bytes a browser's EventSource reads). */
export async function openPush(world: JmapWorld, token: string, query = 'types=*&closeafter=no&ping=0'): Promise<PushStream> {
  const abort = new AbortController();
  const res = await fetch(`${world.base}/jmap/eventsource?${query}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`eventsource: ${res.status}`);
  const queue: Record<string, Record<string, string>>[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  let done = false;
  const ended = (async () => {
    const reader = res.body!.getReader();
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += new TextDecoder().decode(value);
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'state' && data) queue.push((JSON.parse(data) as { changed: Record<string, Record<string, string>> }).changed);
          for (const w of waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      for (const w of waiters.splice(0)) w();
    }
  })();
  return {
    async next(accept = () => true) {
      for (;;) {
        const i = queue.findIndex(accept);
        if (i >= 0) return queue.splice(0, i + 1).pop()!;
        if (done) throw new Error('the event stream ended');
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    ended,
    close: () => abort.abort(),
  };
}
