import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Store } from '@mss/store';
import type { Logger } from '@mss/runtime';

export interface AdminApiOptions {
  store: Store;
  logger: Logger;
  operatorDomain: string;
  /** Extra read-only facts the sandbox publishes (endpoints, personas). */
  sandboxInfo?: () => unknown;
}

const problem = (status: number, type: string, title: string, detail?: string) => ({
  type: `https://mss-operator.invalid/problems/${type}`,
  title,
  status,
  ...(detail ? { detail } : {}),
});

/**
 * The operator's HTTP API. Today it serves health and, under the sandbox, what is running;
 * mailbox governance arrives with its own issue. Errors are RFC 9457 problem+json.
 */
export function buildAdminApi(options: AdminApiOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger.child({ service: 'adminApi' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, 'not-found', 'No such resource', `${req.method} ${req.url} is not served here`));
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) options.logger.error({ err }, 'admin api error');
    void reply
      .code(status)
      .type('application/problem+json')
      .send(problem(status, status >= 500 ? 'internal' : 'bad-request', status >= 500 ? 'Internal error' : 'Bad request', status >= 500 ? undefined : err.message));
  });

  app.get('/health', async (_req, reply) => {
    try {
      await options.store.ping();
      return { status: 'ok', database: options.store.engine, operatorDomain: options.operatorDomain };
    } catch {
      return reply.code(503).type('application/problem+json').send(problem(503, 'database-unavailable', 'Database unavailable'));
    }
  });

  if (options.sandboxInfo) {
    const info = options.sandboxInfo;
    app.get('/sandbox', async () => info());
  }
  return app;
}
