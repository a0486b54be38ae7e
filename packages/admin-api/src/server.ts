import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Store } from '@mss/store';
import { answerClientError, type Logger } from '@mss/runtime';
import type { AccessControl, TokenValidator } from '@mss/access';
import { GovernanceError, Oversight, type Governance } from '@mss/governance';
import { authenticate } from './auth.ts';
import { ApiError, PROBLEMS, clientProblem, problem, sendProblem, type ProblemCode } from './problems.ts';
import { groupSchema, historyEntrySchema, mailboxSchema, problemSchema, sandboxInfoSchema } from './schemas.ts';
import { mailboxRoutes } from './routes/mailboxes.ts';
import { cguRoutes } from './routes/cgu.ts';
import { localPersonRoutes } from './routes/local-persons.ts';
import { operatorRoutes } from './routes/operator.ts';
import { indicatorRoutes, indicatorRowSchema } from './routes/indicators.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { registerJmap, type Submitter } from '@mss/jmap';
import { directorySyncRoutes, type DirectorySyncStatusSource } from './routes/directory-sync.ts';

export interface AdminApiOptions {
  store: Store;
  logger: Logger;
  operatorDomain: string;
  /** Mailbox governance; without it only health (and the sandbox page) are served. */
  governance?: Governance;
  access?: AccessControl;
  /** Validates Pro Santé Connect access tokens (Bearer). */
  tokenValidator?: TokenValidator;
  /** Password of the `admin` user (Basic): the operator administrator. */
  adminPassword?: string;
  /** Extra read-only facts the sandbox publishes (endpoints, personas). */
  sandboxInfo?: () => unknown;
  /** JMAP (@mss/jmap) is served beside the API when governance, access and a token validator are given; `submit` lets it send. */
  jmap?: { submit?: Submitter };
  /** The operator following the Annuaire's change feed (issue #15): its status at /api/v1/operator/directory-sync. */
  directorySync?: DirectorySyncStatusSource;
}

/**
 * The operator's HTTP API: mailbox governance (holders, cotitulaires, delegations, CGU,
 * history) described in OpenAPI 3.1 at /openapi.json with browsable docs at /docs. Every input
 * is validated by JSON schema; every refusal is application/problem+json with a stable type.
 */
export async function buildAdminApi(options: AdminApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ service: 'adminApi' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: false, removeAdditional: false, coerceTypes: 'array' } },
    // A request Node cannot parse (431 for an oversized query string or headers, 400, 408) is
    // answered with our problem types too, not fastify's own JSON.
    clientErrorHandler: (err, socket) => answerClientError(err, socket, (status, detail) => clientProblem(status, detail)),
  }) as unknown as FastifyInstance;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'mss-operator administration API',
        version: '1.0.0',
        description:
          'Mailbox governance of an MSSanté operator: PER/ORG/APP/CAB mailboxes, cotitulaires, delegations, CGU, history. ' +
          'Authenticate with a Pro Santé Connect access token (Bearer) or as the operator administrator (Basic, user admin). ' +
          'Errors are RFC 9457 problem+json; each `type` is described at its path (/problems/{code}).',
      },
      components: {
        securitySchemes: {
          psc: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              "Pro Santé Connect access token, or a token of a FINESS structure's own identity provider (its staff, on its ORG mailboxes only)",
          },
          admin: { type: 'http', scheme: 'basic', description: 'Operator administrator (user admin)' },
        },
      },
      security: [{ psc: [] }, { admin: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(problemSchema);
  app.addSchema(groupSchema);
  app.addSchema(mailboxSchema);
  app.addSchema(historyEntrySchema);
  app.addSchema(indicatorRowSchema);

  app.setNotFoundHandler((req, reply) => {
    void sendProblem(reply, problem('not-found', `${req.method} ${req.url.split('?')[0]} is not served here`));
  });
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, _req, reply) => {
    if (err instanceof GovernanceError) return sendProblem(reply, problem(err.kind, err.message, err.extra));
    if (err instanceof ApiError) {
      if (err.kind === 'unauthenticated') void reply.header('www-authenticate', 'Bearer realm="mss-operator"');
      return sendProblem(reply, problem(err.kind, err.message));
    }
    if (
      err.validation ||
      err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    ) {
      return sendProblem(reply, problem('invalid-input', err.message, {}, err.statusCode && err.statusCode !== 500 ? err.statusCode : 400));
    }
    options.logger.error({ err }, 'admin api error');
    return sendProblem(reply, problem('internal'));
  });

  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await options.store.ping();
      return { status: 'ok', database: options.store.engine, operatorDomain: options.operatorDomain };
    } catch {
      return sendProblem(reply, problem('internal', 'database unavailable', {}, 503));
    }
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get<{ Params: { code: string } }>('/problems/:code', { schema: { hide: true } }, async (req, reply) => {
    const known = Object.hasOwn(PROBLEMS, req.params.code) ? PROBLEMS[req.params.code as ProblemCode] : undefined;
    if (!known) return sendProblem(reply, problem('not-found', `no problem type ${req.params.code}`));
    return reply.type('text/plain; charset=utf-8').send(`${req.params.code}\n\n${known.doc}\n`);
  });

  if (options.sandboxInfo) {
    const info = options.sandboxInfo;
    const schema = {
      tags: ['sandbox'],
      summary: "The sandbox's endpoints and demo personas (only under mss sandbox)",
      security: [],
      response: { 200: sandboxInfoSchema },
    };
    app.get('/sandbox', { schema }, async () => info());
  }

  if (options.governance && options.access) {
    const auth = { validator: options.tokenValidator, adminPassword: options.adminPassword, access: options.access };
    const who = (req: import('fastify').FastifyRequest) => authenticate(auth, req);
    mailboxRoutes(app, options.governance, who);
    cguRoutes(app, options.governance, who);
    localPersonRoutes(app, options.governance, who);
    operatorRoutes(app, new Oversight({ store: options.store, access: options.access }), who);
    indicatorRoutes(app, { store: options.store, access: options.access, operator: options.operatorDomain }, who);
    if (options.directorySync) directorySyncRoutes(app, options.directorySync, options.access, who);
    if (options.tokenValidator) {
      const governance = options.governance;
      const jmap = await registerJmap(app, {
        store: options.store,
        access: options.access,
        tokenValidator: options.tokenValidator,
        logger: options.logger,
        // The mailboxes a person holds a role on; each is decided (and audited) before it becomes an account.
        candidates: (p) =>
          p.kind === 'local-person'
            ? governance.localMailboxes(p.idnat)
            : p.kind === 'person'
              ? governance.myMailboxes(p.idnat)
              : Promise.resolve([]),
        ...(options.jmap?.submit ? { submit: options.jmap.submit } : {}),
      });
      app.addHook('onClose', async () => jmap.close());
    }
    await dashboardRoutes(app, {
      store: options.store,
      access: options.access,
      operator: options.operatorDomain,
      adminPassword: options.adminPassword,
    });
  }
  return app;
}
