// Mon Espace Santé as a member of the trust space: a third "operator" with its own store, its
// certificate from the trust space's CA, its copy of the whitelist, the relay the operators
// deliver to over mutual TLS (exactly as to another operator), the queue that takes patients'
// messages and read receipts to the professionals' operators, and an HTTP listener for the
// patients' web mailbox.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { PATIENT_DOMAIN } from '@mss/domain';
import { listenOn, type Logger } from '@mss/runtime';
import { QueueRunner, startRelayServer, type RunningSmtpListener } from '@mss/smtp';
import type { Store } from '@mss/store';
import type { Pki } from '@mss/trust';
import { WhitelistCache } from '@mss/trust-client';
import { MonEspaceSante } from './mes.ts';

/** The pages of the patient web mailbox, plugged into MES's HTTP listener: true when it answered. */
export type MesWebHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface MesServiceOptions {
  store: Store;
  logger: Logger;
  host: string;
  /** 0 picks a free port. */
  ports: { http: number; relay: number };
  /** The trust space: its CA issues MES's certificate; its whitelist says who may deliver and where mail goes. */
  pki: Pki;
  trustUrl: string;
  /** Where the whitelist copy is kept (`<dataDir>/trust-cache`). */
  dataDir: string;
  domain?: string;
  /** Retry policy of the outbound queue (the sandbox retries sooner than production). */
  retry?: { firstDelayMs?: number; maxDelayMs?: number };
  whitelistRefreshMs?: number;
  maxAttachmentBytes?: number;
  /** The web mailbox's pages (issue #13 item 4), built on `mes`; without it the listener serves its index only. */
  web?: (mes: MonEspaceSante) => MesWebHandler;
}

export interface RunningMes {
  mes: MonEspaceSante;
  /** The web listener (endpoint `mes`). */
  url: string;
  /** The relay (endpoint `mesRelay`): smtp://host:port. */
  relayUrl: string;
  relayPort: number;
  queue: QueueRunner;
  whitelist: WhitelistCache;
  stop(): Promise<void>;
}

export async function startMes(o: MesServiceOptions): Promise<RunningMes> {
  const domain = (o.domain ?? PATIENT_DOMAIN).toLowerCase();
  const log = o.logger.child({ operator: domain });
  const started: { stop(): Promise<void> }[] = [];
  const stop = async (): Promise<void> => {
    for (const x of [...started].reverse()) await x.stop().catch((err: unknown) => log.warn({ err }, 'stop failed'));
    started.length = 0;
  };
  try {
    const whitelist = new WhitelistCache({
      url: o.trustUrl,
      cacheDir: path.join(o.dataDir, 'trust-cache'),
      logger: log,
      refreshIntervalMs: o.whitelistRefreshMs ?? 5000,
    });
    await whitelist.start();
    started.push({ stop: async () => whitelist.stop() });
    // The certificate names the domain: that is how the operators' relays and queues recognise MES.
    const cert = await o.pki.issueServerCertificate({
      commonName: domain,
      dnsNames: ['localhost', `mx.${domain}`],
      ipAddresses: ['127.0.0.1'],
    });
    const tls = { cert: cert.certPem, key: cert.keyPem, ca: o.pki.caCertPem };
    const queue = new QueueRunner({
      store: o.store,
      logger: log,
      trustSpace: whitelist,
      tls,
      name: `mx.${domain}`,
      operatorDomain: domain,
      retry: { firstDelayMs: o.retry?.firstDelayMs ?? 30_000, maxDelayMs: o.retry?.maxDelayMs ?? 600_000 },
    });
    const mes = new MonEspaceSante({
      store: o.store,
      logger: o.logger,
      domain,
      queue,
      trustSpace: whitelist,
      ...(o.maxAttachmentBytes !== undefined ? { maxAttachmentBytes: o.maxAttachmentBytes } : {}),
    });
    // Operators deliver here as to any operator. R-MES-4: MES gives no delivery report, so a
    // NOTIFY=SUCCESS is answered `relayed` (RFC 3461 §6.2); the conversations move in the
    // delivery transaction (R-MES-1, R-MES-2).
    const relay: RunningSmtpListener = await startRelayServer({
      store: o.store,
      logger: log,
      host: o.host,
      port: o.ports.relay,
      tls,
      operatorDomains: [domain],
      trustSpace: whitelist,
      queue,
      successAction: 'relayed',
      onDelivered: (tx, delivery) => mes.recordInbound(tx, delivery),
      name: `mx.${domain}`,
    });
    started.push(relay);
    await queue.start();
    started.push(queue);
    const web = o.web?.(mes);
    const server = http.createServer((req, res) => {
      void answer(req, res).catch((err: unknown) => {
        log.error({ err }, 'mes http request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
    const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://mes');
      // What the service is, as JSON: at /status always, at / when no web mailbox takes it.
      const status = url.pathname === '/status' || (url.pathname === '/' && !web);
      if (!status && web && (await web(req, res))) return;
      if (status && (req.method === 'GET' || req.method === 'HEAD'))
        return sendJson(res, 200, {
          service: 'Mon Espace Santé (stand-in)',
          domain,
          relay: relay.url,
          patients: await o.store.mes.countPatients(),
          web: web ? 'patient web mailbox' : 'not installed',
        });
      sendJson(res, 404, { error: 'not found' });
    };
    const httpPort = await listenOn(server, 'mes', o.host, o.ports.http);
    started.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    started.push({
      stop: async () => {
        server.closeAllConnections();
      },
    });
    const url = `http://${o.host}:${httpPort}`;
    log.info({ url, relay: relay.url }, 'mon espace sante listening');
    return { mes, url, relayUrl: relay.url, relayPort: relay.port, queue, whitelist, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
