import type { FastifyInstance } from 'fastify';
import type { Governance } from '@mss/governance';
import type { Authenticated } from '../auth.ts';
import { addressParam, errorResponses } from '../schemas.ts';

type Auth = (req: import('fastify').FastifyRequest) => Promise<Authenticated>;

/** The structure's identifier of a staff member, as its identity provider puts it in `sub` (1-20 letters, digits, hyphens). */
const localIdSchema = { type: 'string', minLength: 1, maxLength: 20, pattern: '^[A-Za-z0-9-]+$' } as const;

export const localPersonSchema = {
  $id: 'LocalPerson',
  type: 'object',
  description:
    "A member of a FINESS structure's own staff declared on one of its ORG mailboxes, authenticated by the structure's identity provider",
  properties: {
    idnat: { type: 'string', description: 'IdNat of FINESS staff: 3 + FINESS + "/" + localId' },
    localId: { type: 'string', description: "The structure's identifier of the person (the subject of its identity provider's tokens)" },
    name: { type: 'string' },
    role: { type: 'string', description: 'Their role in the structure (secrétaire médicale…)' },
    addedAt: { type: 'string' },
    addedBy: { type: 'string' },
    removedAt: { type: ['string', 'null'] },
    removedBy: { type: ['string', 'null'] },
    removeReason: { type: ['string', 'null'] },
  },
  required: ['idnat', 'localId', 'name', 'role', 'addedAt', 'addedBy', 'removedAt', 'removedBy', 'removeReason'],
} as const;

/**
 * Structure-local identities (issue #20 rule 6): the ORG's responsible persons declare, remove and
 * list the structure's own staff who may open the mailbox with a token of the structure's identity
 * provider; the operator's administrators may list them (the mailbox's history shows every move).
 */
export function localPersonRoutes(app: FastifyInstance, gov: Governance, auth: Auth): void {
  const tags = ['local persons'];
  app.addSchema(localPersonSchema);

  app.post<{ Params: { address: string }; Body: { localId: string; name: string; role: string } }>(
    '/api/v1/mailboxes/:address/local-persons',
    {
      schema: {
        tags,
        summary: "Declare a member of the structure's own staff on an ORG mailbox (its responsible persons)",
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['localId', 'name', 'role'],
          properties: {
            localId: {
              type: 'string',
              minLength: 1,
              maxLength: 40,
              description: 'The local identifier, or the whole IdNat 3 + FINESS + "/" + it (the FINESS must be the mailbox\'s)',
            },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            role: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
        response: { 201: { $ref: 'LocalPerson#' }, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await gov.addLocalPerson((await auth(req)).principal, req.params.address, req.body)),
  );

  app.delete<{ Params: { address: string; localId: string }; Querystring: { reason?: string } }>(
    '/api/v1/mailboxes/:address/local-persons/:localId',
    {
      schema: {
        tags,
        summary: 'End the declaration of a staff member; their open IMAP/SMTP sessions on the mailbox end at once (R-AUTH-4)',
        params: {
          type: 'object',
          properties: { address: addressParam.properties.address, localId: localIdSchema },
          required: ['address', 'localId'],
        },
        querystring: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } }, additionalProperties: false },
        response: { 200: { $ref: 'LocalPerson#' }, ...errorResponses },
      },
    },
    async (req) => gov.removeLocalPerson((await auth(req)).principal, req.params.address, req.params.localId, req.query.reason ?? null),
  );

  app.get<{ Params: { address: string }; Querystring: { all?: boolean } }>(
    '/api/v1/mailboxes/:address/local-persons',
    {
      schema: {
        tags,
        summary: "The structure's staff declared on the mailbox (with the removed ones when all=true)",
        params: addressParam,
        querystring: { type: 'object', properties: { all: { type: 'boolean' } }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: { localPersons: { type: 'array', items: { $ref: 'LocalPerson#' } } },
            required: ['localPersons'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({
      localPersons: await gov.localPersons((await auth(req)).principal, req.params.address, { includeRemoved: req.query.all === true }),
    }),
  );
}
