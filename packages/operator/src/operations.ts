// The operations listener of a node: liveness (/healthz), readiness (/readyz) and Prometheus
// metrics (/metrics). It is not the admin API: it answers no one's mail and should be reachable
// by the orchestrator and the scraper only (bind it to an internal address). Readiness asks the
// database and the blob store (readiness.ts); liveness asks nothing but the process.

import http from 'node:http';
import { listenOn, type Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { OperatorMetrics } from './metrics.ts';
import { checkReadiness, type Readiness } from './readiness.ts';

export interface RunningOperations {
  url: string;
  /** Readiness goes down first when the node drains, so that load balancers stop sending. */
  setReady(ready: boolean): void;
  stop(): Promise<void>;
}

/** What a process answers on its operations listener: one operator process, or a cluster primary for its workers (cluster.ts). */
export interface OperationsSource {
  /** Facts added to `/healthz` and `/readyz` answers (the workers, for a primary). */
  facts?(): Record<string, unknown>;
  /** What `/readyz` checks (database, blobs; for a primary, also that a worker serves). */
  readiness(): Promise<Readiness>;
  /** The Prometheus text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

/** The source of one operator process: its store's checks and its registry. */
export function operatorSource(store: Store, metrics: OperatorMetrics): OperationsSource {
  return {
    readiness: () => checkReadiness(store),
    scrape: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
  };
}

export async function startOperations(o: {
  host: string;
  port: number;
  service: string;
  source: OperationsSource;
  logger: Logger;
}): Promise<RunningOperations> {
  let ready = false;
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(`${JSON.stringify(body)}\n`);
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const facts = o.source.facts?.() ?? {};
    if (path === '/healthz') {
      json(res, 200, { status: 'ok', ...facts });
      return;
    }
    if (path === '/readyz') {
      if (!ready) {
        json(res, 503, { status: 'not ready', reason: 'starting or draining', ...facts });
        return;
      }
      // 503 names what is failing (database, blobs) and why: an operator reads it without the logs.
      void o.source
        .readiness()
        .then((r) =>
          json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', failing: r.failing, checks: r.checks, ...facts }),
        );
      return;
    }
    if (path === '/metrics') {
      o.source.scrape().then(
        ({ contentType, text }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(text);
        },
        (err: unknown) => {
          o.logger.warn({ err }, 'metrics collection failed');
          json(res, 503, { status: 'metrics unavailable' });
        },
      );
      return;
    }
    json(res, 404, { status: 'not found', paths: ['/healthz', '/readyz', '/metrics'] });
  });
  const port = await listenOn(server, o.service, o.host, o.port);
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    setReady(value) {
      ready = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
