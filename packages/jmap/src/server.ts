// The JMAP routes on the operator's HTTP server (RFC 8620 §2 session resource, §3 API, §6 blobs,
// §7.3 push), registered as one encapsulated fastify plugin: its own body reading (raw bytes, so
// that the request size is ours to check and bad JSON is ours to name) and its own errors.

import type { AccessControl, TokenValidator } from '@mss/access';
import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CORE,
  DEFAULT_LIMITS,
  MAIL,
  MAIL_ACCOUNT_CAPABILITY,
  MSS_MAILBOX,
  SUBMISSION,
  SUBMISSION_ACCOUNT_CAPABILITY,
  VACATION,
  coreCapability,
  type CoreLimits,
} from './capabilities.ts';
import { EmailIndexes } from './email-index.ts';
import { EmailValuesCache } from './email-values.ts';
import { ParsedEmail, parseBlobId } from './email-view.ts';
import { RequestError } from './errors.ts';
import type { JmapShared, MethodTable, Submitter } from './methods/context.ts';
import { coreMethods } from './methods/core.ts';
import { emailMethods } from './methods/email.ts';
import { snippetMethods } from './methods/search-snippet.ts';
import { emailSetMethods } from './methods/email-set.ts';
import { mailboxMethods } from './methods/mailbox.ts';
import { submissionMethods } from './methods/submission.ts';
import { readPushArguments, streamPush } from './push.ts';
import { readRequest, runRequest } from './request.ts';
import { JmapSessions, type CandidateMailboxes, type JmapAccount, type JmapSession } from './session.ts';
import { Uploads } from './uploads.ts';

export interface JmapOptions {
  store: Store;
  access: AccessControl;
  tokenValidator: TokenValidator;
  /** The mailboxes a person holds a role on; each is then decided by `access` before it becomes an account. */
  candidates: CandidateMailboxes;
  logger: Logger;
  limits?: Partial<CoreLimits>;
  /** The operator's submission path (EmailSubmission/set); without it, sending is `forbiddenToSend`. */
  submit?: Submitter;
}

export interface JmapServer {
  readonly sessions: JmapSessions;
  close(): void;
}

const METHODS: MethodTable = {
  ...coreMethods,
  ...mailboxMethods,
  ...emailMethods,
  ...emailSetMethods,
  ...snippetMethods,
  ...submissionMethods,
};

const JSON_TYPE = 'application/json; charset=utf-8';

export async function registerJmap(app: FastifyInstance, options: JmapOptions): Promise<JmapServer> {
  const limits: CoreLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger.child({ service: 'jmap' });
  const sessions = new JmapSessions({ access: options.access, validator: options.tokenValidator, candidates: options.candidates });
  const store = options.store;
  const shared: JmapShared = {
    blobs: store.blobs,
    indexes: new EmailIndexes(),
    emailValues: new EmailValuesCache(),
    uploads: new Uploads(store.blobs),
    ingest: (raw) => store.ingest(raw),
    folderChanged: (folderId) => store.notifyFolderChanged(folderId),
  };
  const uploadsInFlight = new WeakMap<JmapSession, number>();

  await app.register(async (scope) => {
    // JMAP is described by its RFCs and its session resource, not by the admin API's OpenAPI document.
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: Math.max(limits.maxSizeRequest, limits.maxSizeUpload) + 1 },
      (_req, body, done) => done(null, body),
    );
    scope.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
      if (err instanceof RequestError) return problemOf(reply, err);
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const upload = req.url.startsWith('/jmap/upload/');
        return problemOf(
          reply,
          new RequestError('limit', `larger than ${upload ? 'maxSizeUpload' : 'maxSizeRequest'}`, {
            status: 413,
            limit: upload ? 'maxSizeUpload' : 'maxSizeRequest',
          }),
        );
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
        return problem(reply, err.statusCode, 'about:blank', err.message);
      logger.error({ err }, 'jmap request failed');
      return problem(reply, 500, 'about:blank', 'internal error');
    });

    /** Every JMAP resource but the well-known redirect needs the bearer token (RFC 8620 §2). */
    const authenticated = async (req: FastifyRequest, reply: FastifyReply): Promise<JmapSession | undefined> => {
      const auth = await sessions.authenticate(req.headers.authorization);
      if (auth.ok) return auth.session;
      void reply.header('www-authenticate', `Bearer realm="jmap", error="${auth.error}", error_description="${auth.description}"`);
      await problem(reply, auth.status, 'about:blank', auth.description);
      return undefined;
    };

    scope.get('/.well-known/jmap', async (req, reply) => {
      const session = await authenticated(req, reply);
      if (!session) return reply;
      // A fresh look at the person's mailboxes: a mailbox granted since shows now (decided, audited).
      await session.refresh();
      return reply
        .type(JSON_TYPE)
        .header('cache-control', 'no-cache, no-store')
        .send(sessionResource(session, baseUrl(req), limits));
    });

    scope.post('/jmap/api', async (req, reply) => {
      const session = await authenticated(req, reply);
      if (!session) return reply;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        throw new RequestError('notJSON', 'the request must be application/json (RFC 8620 §3.1)');
      }
      const request = readRequest(body, limits);
      if (session.inFlight >= limits.maxConcurrentRequests) {
        throw new RequestError('limit', `more than maxConcurrentRequests (${limits.maxConcurrentRequests}) at once`, {
          status: 429,
          limit: 'maxConcurrentRequests',
        });
      }
      session.inFlight++;
      try {
        const response = await runRequest(session, request, METHODS, {
          shared,
          limits,
          logger,
          ...(options.submit ? { submit: options.submit } : {}),
        });
        return reply.type(JSON_TYPE).header('cache-control', 'no-cache, no-store').send(JSON.stringify(response));
      } finally {
        session.inFlight--;
      }
    });

    scope.post<{ Params: { accountId: string } }>('/jmap/upload/:accountId/', async (req, reply) => {
      const session = await authenticated(req, reply);
      if (!session) return reply;
      const account = await accountOr404(session, req.params.accountId, reply);
      if (!account) return reply;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length > limits.maxSizeUpload) {
        throw new RequestError('limit', `larger than maxSizeUpload (${limits.maxSizeUpload} octets)`, {
          status: 413,
          limit: 'maxSizeUpload',
        });
      }
      const running = uploadsInFlight.get(session) ?? 0;
      if (running >= limits.maxConcurrentUpload) {
        throw new RequestError('limit', `more than maxConcurrentUpload (${limits.maxConcurrentUpload}) at once`, {
          status: 429,
          limit: 'maxConcurrentUpload',
        });
      }
      uploadsInFlight.set(session, running + 1);
      try {
        const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
        const up = await shared.uploads.add(account.id, body, type);
        return reply.code(201).type(JSON_TYPE).send({ accountId: account.id, blobId: up.blobId, type: up.type, size: up.size });
      } finally {
        uploadsInFlight.set(session, (uploadsInFlight.get(session) ?? 1) - 1);
      }
    });

    scope.get<{ Params: { accountId: string; blobId: string; name: string }; Querystring: { accept?: string } }>(
      '/jmap/download/:accountId/:blobId/:name',
      async (req, reply) => {
        const session = await authenticated(req, reply);
        if (!session) return reply;
        const account = await accountOr404(session, req.params.accountId, reply);
        if (!account) return reply;
        const blob = await findBlob(shared, account, req.params.blobId);
        if (!blob) return problem(reply, 404, 'about:blank', 'no such blob in this account');
        const type = typeof req.query.accept === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(req.query.accept) ? req.query.accept : blob.type;
        return (
          reply
            .type(type)
            .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(req.params.name)}`)
            .header('x-content-type-options', 'nosniff')
            // A downloaded HTML part must not run in the operator's origin.
            .header('content-security-policy', "sandbox; default-src 'none'")
            .header('cache-control', 'private, immutable, max-age=31536000')
            .send(blob.bytes)
        );
      },
    );

    scope.get<{ Querystring: { types?: string; closeafter?: string; ping?: string } }>('/jmap/eventsource', async (req, reply) => {
      const session = await authenticated(req, reply);
      if (!session) return reply;
      const args = readPushArguments(req.query);
      if (typeof args === 'string') return problem(reply, 400, 'about:blank', args);
      reply.hijack();
      streamPush(reply.raw, session, shared.indexes, store.events, args);
      return reply;
    });
  });

  return {
    sessions,
    close: () => sessions.close(),
  };
}

async function accountOr404(session: JmapSession, accountId: string, reply: FastifyReply): Promise<JmapAccount | undefined> {
  if (!session.accounts.has(accountId)) await session.refresh();
  const account = session.accounts.get(accountId);
  if (!account) await problem(reply, 404, 'about:blank', 'no such account in this session');
  return account;
}

/** A blob the account may read: a message or a part of one of its Emails, or one of its uploads. */
async function findBlob(shared: JmapShared, account: JmapAccount, blobId: string): Promise<{ bytes: Buffer; type: string } | undefined> {
  const upload = shared.uploads.find(account.id, blobId);
  if (upload) return { bytes: await shared.blobs.get(upload.hash), type: upload.type };
  const ref = parseBlobId(blobId);
  if (!ref) return undefined;
  const view = await shared.indexes.view(account.scope);
  const email = view.emails.get(`M${ref.hash.slice(0, 32)}`);
  if (!email || email.hash !== ref.hash) return undefined;
  const raw = await shared.blobs.get(ref.hash);
  if (ref.partId === undefined) return { bytes: raw, type: 'message/rfc822' };
  const parsed = new ParsedEmail(raw, ref.hash);
  const bytes = parsed.partBytes(ref.partId);
  return bytes ? { bytes, type: parsed.partType(ref.partId) ?? 'application/octet-stream' } : undefined;
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** RFC 8620 §2: the session resource. */
export function sessionResource(session: JmapSession, base: string, limits: CoreLimits): Record<string, unknown> {
  const accounts: Record<string, unknown> = {};
  for (const a of session.accounts.values()) {
    accounts[a.id] = {
      name: a.address,
      isPersonal: a.role === 'holder' && a.type === 'PER',
      isReadOnly: false,
      accountCapabilities: {
        [MAIL]: MAIL_ACCOUNT_CAPABILITY,
        [SUBMISSION]: SUBMISSION_ACCOUNT_CAPABILITY,
        [VACATION]: {},
        [MSS_MAILBOX]: { address: a.address, type: a.type, role: a.role },
      },
    };
  }
  const own = [...session.accounts.values()].find((a) => a.role === 'holder' && a.type === 'PER') ?? [...session.accounts.values()][0];
  const primary = own ? { [MAIL]: own.id, [SUBMISSION]: own.id, [VACATION]: own.id, [MSS_MAILBOX]: own.id } : {};
  return {
    capabilities: {
      [CORE]: coreCapability(limits),
      [MAIL]: {},
      [SUBMISSION]: {},
      [VACATION]: {},
      [MSS_MAILBOX]: {},
    },
    accounts,
    primaryAccounts: primary,
    username: session.username,
    apiUrl: `${base}/jmap/api`,
    downloadUrl: `${base}/jmap/download/{accountId}/{blobId}/{name}?accept={type}`,
    uploadUrl: `${base}/jmap/upload/{accountId}/`,
    eventSourceUrl: `${base}/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}`,
    state: session.state,
  };
}

function problemOf(reply: FastifyReply, err: RequestError): FastifyReply {
  return reply.code(err.status).type('application/problem+json; charset=utf-8').send(err.toProblem());
}

function problem(reply: FastifyReply, status: number, type: string, detail: string): FastifyReply {
  return reply.code(status).type('application/problem+json; charset=utf-8').send({ type, status, detail });
}
