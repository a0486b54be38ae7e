import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl } from '@mss/access';
import { GovernanceError } from '@mss/governance';
import type { Authenticated } from '../auth.ts';
import { errorResponses } from '../schemas.ts';

type Auth = (req: FastifyRequest) => Promise<Authenticated>;

/** What the route shows: `@mss/directory-sync`'s `DirectorySync.status()`. */
export interface DirectorySyncStatusSource {
  status(): Promise<object>;
}

const n = { type: ['string', 'null'] } as const;
const statusSchema = {
  type: 'object',
  properties: {
    source: { type: 'string' },
    url: { type: 'string', description: "The Annuaire's HTTP origin followed" },
    cursor: { ...n, description: 'Where the next poll starts in the change feed; null before the first page' },
    caughtUpAt: { ...n, description: 'The last time every change the Annuaire had was read' },
    lagMs: { type: ['integer', 'null'], description: 'Now minus caughtUpAt: how stale the copy may be' },
    lastAttemptAt: n,
    lastSuccessAt: n,
    lastError: { ...n, description: 'The last failure, cleared by the next success' },
    failures: { type: 'integer', description: 'Consecutive failures (backoff grows with them)' },
    nextPollAt: n,
    entriesApplied: { type: 'integer' },
    rowsChanged: { type: 'integer' },
    fullResyncs: { type: 'integer' },
    lastFullResyncAt: n,
    lastFullResyncReason: n,
    delegationsEnded: { type: 'integer', description: 'Delegations ended because their situation ended (R-DEL-5), since start' },
    intervalMs: { type: 'integer' },
  },
  required: ['source', 'url', 'cursor', 'caughtUpAt', 'lagMs', 'failures', 'lastError', 'fullResyncs', 'intervalMs'],
} as const;

export function directorySyncRoutes(app: FastifyInstance, sync: DirectorySyncStatusSource, access: AccessControl, auth: Auth): void {
  app.get(
    '/api/v1/operator/directory-sync',
    {
      schema: {
        tags: ['operator'],
        summary: "The operator's copy of the Annuaire: its cursor in the change feed, its lag, its failures (operator administrators)",
        description:
          'Decided by the access decision point (action read-directory-sync) and audited. See packages/directory-sync/README.md.',
        response: { 200: statusSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { principal } = await auth(req);
      const d = await access.decideOperator({ principal, action: 'read-directory-sync', channel: 'admin-api' });
      if (!d.allowed)
        throw new GovernanceError('forbidden', "only the operator's administrators read the directory synchronisation", {
          reason: d.reason,
        });
      return sync.status();
    },
  );
}
