import type { FastifyInstance } from 'fastify';
import type { Governance } from '@mss/governance';
import type { MailboxStatus, MailboxType } from '@mss/domain';
import { GovernanceError } from '@mss/governance';
import type { Authenticated } from '../auth.ts';
import { addressParam, errorResponses } from '../schemas.ts';

type Auth = (req: import('fastify').FastifyRequest) => Promise<Authenticated>;

/** DELETE carries no body (many clients cannot send one): the reason travels in the query. */
const reasonQuery = { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } }, additionalProperties: false } as const;
const idnatPattern = { type: 'string', minLength: 10, maxLength: 40 } as const;

export function mailboxRoutes(app: FastifyInstance, gov: Governance, auth: Auth): void {
  const tags = ['mailboxes'];

  app.post<{
    Body: {
      type: MailboxType;
      address: string;
      holderIdnat?: string;
      structureIdnat?: string;
      responsibleIdnats?: string[];
      situationId?: string;
      listeRouge?: boolean;
      description?: string;
      service?: string;
      digitization?: boolean;
    };
  }>(
    '/api/v1/mailboxes',
    {
      schema: {
        tags,
        summary: 'Create a mailbox (PER by its holder, CAB by its owner, ORG/APP by the operator)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'address'],
          properties: {
            type: { type: 'string', enum: ['PER', 'ORG', 'APP', 'CAB'] },
            address: { type: 'string', minLength: 3, maxLength: 254 },
            holderIdnat: idnatPattern,
            structureIdnat: idnatPattern,
            responsibleIdnats: { type: 'array', items: idnatPattern, maxItems: 20 },
            situationId: { type: 'string', maxLength: 100 },
            listeRouge: { type: 'boolean' },
            description: { type: 'string', maxLength: 500 },
            service: { type: 'string', maxLength: 200 },
            digitization: { type: 'boolean' },
          },
        },
        response: { 201: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { principal } = await auth(req);
      return reply.code(201).send(await gov.createMailbox(principal, req.body));
    },
  );

  app.get(
    '/api/v1/mailboxes',
    {
      schema: {
        tags,
        summary: 'The mailboxes the caller holds, co-holds or is delegated, with the role on each',
        response: {
          200: {
            type: 'object',
            properties: {
              mailboxes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    address: { type: 'string' },
                    type: { type: 'string' },
                    status: { type: 'string' },
                    role: { type: 'string' },
                    endAt: { type: ['string', 'null'] },
                  },
                  required: ['address', 'type', 'status', 'role'],
                },
              },
            },
            required: ['mailboxes'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { principal } = await auth(req);
      if (principal.kind === 'local-person') return { mailboxes: await gov.localMailboxes(principal.idnat) };
      if (principal.kind !== 'person')
        throw new GovernanceError('invalid-input', 'the operator administrator holds no mailbox; use GET /api/v1/mailboxes/{address}');
      return { mailboxes: await gov.myMailboxes(principal.idnat) };
    },
  );

  app.get<{ Params: { address: string } }>(
    '/api/v1/mailboxes/:address',
    {
      schema: {
        tags,
        summary: 'One mailbox, its holders (and delegations for those who govern it)',
        params: addressParam,
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.getMailbox((await auth(req)).principal, req.params.address),
  );

  app.patch<{
    Params: { address: string };
    Body: { listeRouge?: boolean; description?: string | null; service?: string | null; digitization?: boolean };
  }>(
    '/api/v1/mailboxes/:address',
    {
      schema: {
        tags,
        summary: 'Change what the directory publishes: liste rouge (R-BAL-3), description, service, dématérialisation',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            listeRouge: { type: 'boolean' },
            description: { type: ['string', 'null'], maxLength: 500 },
            service: { type: ['string', 'null'], maxLength: 200 },
            digitization: { type: 'boolean' },
          },
        },
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.updatePublication((await auth(req)).principal, req.params.address, req.body),
  );

  app.post<{ Params: { address: string }; Body: { status: MailboxStatus; reason?: string } }>(
    '/api/v1/mailboxes/:address/status',
    {
      schema: {
        tags,
        summary: 'Suspend, reactivate or close a mailbox (operator administrator; R-BAL-2)',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['active', 'suspended', 'closed'] }, reason: { type: 'string', maxLength: 500 } },
        },
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.changeStatus((await auth(req)).principal, req.params.address, req.body.status, req.body.reason ?? ''),
  );

  app.delete<{ Params: { address: string }; Querystring: { reason?: string } }>(
    '/api/v1/mailboxes/:address',
    {
      schema: {
        tags,
        summary: 'Delete (close) a mailbox: CAB owner, or the operator for ORG/APP (R-CAB-6)',
        params: addressParam,
        querystring: reasonQuery,
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.deleteMailbox((await auth(req)).principal, req.params.address, req.query.reason ?? ''),
  );

  app.post<{ Params: { address: string }; Body: { idnat: string } }>(
    '/api/v1/mailboxes/:address/cotitulaires',
    {
      schema: {
        tags: ['cab'],
        summary: 'Add a cotitulaire to a CAB (owner only, R-CAB-3)',
        params: addressParam,
        body: { type: 'object', additionalProperties: false, required: ['idnat'], properties: { idnat: idnatPattern } },
        response: { 201: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await gov.addCotitulaire((await auth(req)).principal, req.params.address, req.body.idnat)),
  );

  app.delete<{ Params: { address: string; idnat: string }; Querystring: { reason?: string } }>(
    '/api/v1/mailboxes/:address/cotitulaires/:idnat',
    {
      schema: {
        tags: ['cab'],
        summary: 'Remove a cotitulaire (owner only); their open sessions end (R-AUTH-4)',
        params: { type: 'object', properties: { address: { type: 'string' }, idnat: { type: 'string' } }, required: ['address', 'idnat'] },
        querystring: reasonQuery,
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.removeCotitulaire((await auth(req)).principal, req.params.address, req.params.idnat, req.query.reason ?? null),
  );

  app.post<{ Params: { address: string }; Body: { newOwnerIdnat: string; reason?: string } }>(
    '/api/v1/mailboxes/:address/transfer',
    {
      schema: {
        tags: ['cab'],
        summary: 'Transfer ownership (CAB owner to another PS; the operator for ORG/APP) — R-CAB-6',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['newOwnerIdnat'],
          properties: { newOwnerIdnat: idnatPattern, reason: { type: 'string', maxLength: 500 } },
        },
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.transferOwnership((await auth(req)).principal, req.params.address, req.body.newOwnerIdnat, req.body.reason ?? null),
  );

  app.put<{ Params: { address: string }; Body: { situationId: string | null; reason?: string } }>(
    '/api/v1/mailboxes/:address/attachment',
    {
      schema: {
        tags,
        summary:
          'Attach a PER or CAB to another of its holder’s situations d’exercice in the directory, or to none (null: shown on all) — PER holder or CAB owner (R-ANN-1, R-CAB-1)',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['situationId'],
          properties: {
            situationId: { type: ['string', 'null'], minLength: 1, maxLength: 100, description: 'One of the owner’s situations, or null' },
            reason: { type: 'string', maxLength: 500 },
          },
        },
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.changeAttachment((await auth(req)).principal, req.params.address, req.body.situationId, req.body.reason ?? null),
  );

  app.post<{ Params: { address: string }; Body: { idnat: string } }>(
    '/api/v1/mailboxes/:address/responsibles',
    {
      schema: {
        tags: ['org'],
        summary: 'Name a co-responsible of an ORG/APP mailbox (a responsible person or the operator; §3)',
        params: addressParam,
        body: { type: 'object', additionalProperties: false, required: ['idnat'], properties: { idnat: idnatPattern } },
        response: { 201: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await gov.addResponsible((await auth(req)).principal, req.params.address, req.body.idnat)),
  );

  app.delete<{ Params: { address: string; idnat: string }; Querystring: { reason?: string } }>(
    '/api/v1/mailboxes/:address/responsibles/:idnat',
    {
      schema: {
        tags: ['org'],
        summary: 'Remove a responsible person (never the last one); their open sessions end (R-AUTH-4)',
        params: { type: 'object', properties: { address: { type: 'string' }, idnat: { type: 'string' } }, required: ['address', 'idnat'] },
        querystring: reasonQuery,
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.removeResponsible((await auth(req)).principal, req.params.address, req.params.idnat, req.query.reason ?? null),
  );

  app.post<{ Params: { address: string }; Body: { reason: string } }>(
    '/api/v1/mailboxes/:address/release',
    {
      schema: {
        tags,
        summary:
          'Release a closed mailbox’s address for a future holder, after the operator’s waiting period (operator administrator; R-BAL-2)',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.releaseAddress((await auth(req)).principal, req.params.address, req.body.reason),
  );

  const groupParams = {
    type: 'object',
    properties: { address: { type: 'string', description: 'The CAB' }, group: { type: 'string', description: 'The group address' } },
    required: ['address', 'group'],
  } as const;

  app.get<{ Params: { address: string } }>(
    '/api/v1/mailboxes/:address/groups',
    {
      schema: {
        tags: ['cab'],
        summary: 'The practice’s group addresses, with their members (CAB owner)',
        params: addressParam,
        response: {
          200: { type: 'object', properties: { groups: { type: 'array', items: { $ref: 'Group#' } } }, required: ['groups'] },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ groups: await gov.groups((await auth(req)).principal, req.params.address) }),
  );

  app.post<{ Params: { address: string }; Body: { address: string; description?: string; members: string[] } }>(
    '/api/v1/mailboxes/:address/groups',
    {
      schema: {
        tags: ['cab'],
        summary: 'Create a group address of the practice that fans out to its mailboxes (CAB owner); not published in the directory',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['address', 'members'],
          properties: {
            address: { type: 'string', minLength: 3, maxLength: 254 },
            description: { type: 'string', maxLength: 500 },
            members: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 3, maxLength: 254 } },
          },
        },
        response: { 201: { $ref: 'Group#' }, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await gov.createGroup((await auth(req)).principal, req.params.address, req.body)),
  );

  app.post<{ Params: { address: string; group: string }; Body: { address: string } }>(
    '/api/v1/mailboxes/:address/groups/:group/members',
    {
      schema: {
        tags: ['cab'],
        summary: 'Add a mailbox of the practice to a group (CAB owner)',
        params: groupParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['address'],
          properties: { address: { type: 'string', maxLength: 254 } },
        },
        response: { 201: { $ref: 'Group#' }, ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await gov.addGroupMember((await auth(req)).principal, req.params.address, req.params.group, req.body.address)),
  );

  app.delete<{ Params: { address: string; group: string; member: string } }>(
    '/api/v1/mailboxes/:address/groups/:group/members/:member',
    {
      schema: {
        tags: ['cab'],
        summary: 'Take a mailbox out of a group (never the last member: close the group instead)',
        params: {
          type: 'object',
          properties: { address: { type: 'string' }, group: { type: 'string' }, member: { type: 'string' } },
          required: ['address', 'group', 'member'],
        },
        response: { 200: { $ref: 'Group#' }, ...errorResponses },
      },
    },
    async (req) => gov.removeGroupMember((await auth(req)).principal, req.params.address, req.params.group, req.params.member),
  );

  app.delete<{ Params: { address: string; group: string }; Querystring: { reason?: string } }>(
    '/api/v1/mailboxes/:address/groups/:group',
    {
      schema: {
        tags: ['cab'],
        summary: 'Close a group: mail to it is refused as unknown; its address is never given again',
        params: groupParams,
        querystring: reasonQuery,
        response: { 200: { $ref: 'Group#' }, ...errorResponses },
      },
    },
    async (req) => gov.closeGroup((await auth(req)).principal, req.params.address, req.params.group, req.query.reason ?? null),
  );

  app.post<{ Params: { address: string }; Body: { delegateIdnat: string; endAt?: string } }>(
    '/api/v1/mailboxes/:address/delegations',
    {
      schema: {
        tags: ['delegations'],
        summary: 'Delegate the mailbox to a PS, secretary or medical assistant, optionally until a date (R-DEL-1, R-DEL-2)',
        params: addressParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['delegateIdnat'],
          properties: {
            delegateIdnat: idnatPattern,
            endAt: { type: 'string', maxLength: 40, description: 'YYYY-MM-DD (through that day) or an ISO 8601 instant' },
          },
        },
        response: { 201: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await gov.grantDelegation((await auth(req)).principal, req.params.address, req.body)),
  );

  app.delete<{ Params: { address: string; id: number }; Querystring: { reason?: string } }>(
    '/api/v1/mailboxes/:address/delegations/:id',
    {
      schema: {
        tags: ['delegations'],
        summary: 'Revoke a delegation; the delegate’s open sessions end at once (R-DEL-5, R-AUTH-4)',
        params: {
          type: 'object',
          properties: { address: { type: 'string' }, id: { type: 'integer', minimum: 1 } },
          required: ['address', 'id'],
        },
        querystring: reasonQuery,
        response: { 200: { $ref: 'Mailbox#' }, ...errorResponses },
      },
    },
    async (req) => gov.revokeDelegation((await auth(req)).principal, req.params.address, req.params.id, req.query.reason ?? 'revoked'),
  );

  app.get<{ Params: { address: string }; Querystring: { after?: number; limit?: number } }>(
    '/api/v1/mailboxes/:address/history',
    {
      schema: {
        tags: ['history'],
        summary: 'The append-only history of a mailbox, oldest first (R-CAB-7, R-DEL-4)',
        params: addressParam,
        querystring: {
          type: 'object',
          properties: { after: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { entries: { type: 'array', items: { $ref: 'HistoryEntry#' } }, next: { type: ['string', 'null'] } },
            required: ['entries'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const entries = await gov.history((await auth(req)).principal, req.params.address, { afterId: req.query.after, limit });
      const last = entries.at(-1);
      return {
        entries,
        next:
          entries.length === limit && last
            ? `/api/v1/mailboxes/${encodeURIComponent(req.params.address)}/history?after=${last.id}&limit=${limit}`
            : null,
      };
    },
  );
}
