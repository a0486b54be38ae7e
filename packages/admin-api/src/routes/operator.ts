import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AUDIT_CHANNELS, GovernanceError, MAX_PAGE, type AuditSearch, type MailboxSearch, type Oversight } from '@mss/governance';
import type { Authenticated } from '../auth.ts';
import { errorResponses } from '../schemas.ts';

type Auth = (req: FastifyRequest) => Promise<Authenticated>;

const nullableString = { type: ['string', 'null'] } as const;
const day = 'YYYY-MM-DD (a whole day, UTC) or an ISO 8601 date-time with a zone';
const paging = {
  cursor: { type: 'string', maxLength: 400, description: 'The `next` of the previous page, unchanged (same filters)' },
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100, description: `Rows per page (1-${MAX_PAGE})` },
} as const;

const listedMailboxSchema = {
  type: 'object',
  properties: {
    address: { type: 'string' },
    type: { type: 'string', enum: ['PER', 'ORG', 'APP', 'CAB'] },
    status: { type: 'string', enum: ['active', 'suspended', 'closed'] },
    ownerIdnat: { type: 'string', description: 'Directory attachment: the PER holder, the CAB owner, or the ORG/APP structure' },
    structureIdnat: { ...nullableString, description: 'The ORG/APP structure, or the structure of a PER/CAB situation' },
    situationId: nullableString,
    listeRouge: { type: 'boolean' },
    description: nullableString,
    service: nullableString,
    createdAt: { type: 'string' },
    closedAt: nullableString,
    releasedAt: { ...nullableString, description: 'When the address was released for reuse (R-BAL-2)' },
  },
  required: ['address', 'type', 'status', 'ownerIdnat', 'structureIdnat', 'listeRouge', 'createdAt', 'closedAt', 'releasedAt'],
} as const;

const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    principal: {
      ...nullableString,
      description: 'IdNat of the person, operator-admin:<name>, certificate:<serial>; null for a refused token',
    },
    mailbox: nullableString,
    action: { type: 'string' },
    channel: { type: 'string' },
    clientId: nullableString,
    outcome: { type: 'string', enum: ['allowed', 'denied'] },
    reason: { type: 'string' },
    role: nullableString,
  },
  required: ['id', 'at', 'principal', 'mailbox', 'action', 'channel', 'clientId', 'outcome', 'reason', 'role'],
} as const;

/**
 * A query string the schema refuses is answered `invalid-filter` naming the parameter (or
 * `invalid-cursor`), rather than the generic `invalid-input`: these routes are searched by hand.
 */
function refuseQuery(req: FastifyRequest): void {
  const err = req.validationError as (Error & { validation?: { instancePath?: string; params?: Record<string, unknown> }[] }) | undefined;
  if (!err) return;
  const v = err.validation?.[0];
  const field =
    typeof v?.params?.additionalProperty === 'string' ? v.params.additionalProperty : (v?.instancePath ?? '').replace(/^\//, '');
  if (field === 'cursor') throw new GovernanceError('invalid-cursor', 'cursor: not a cursor this API issued');
  if (typeof v?.params?.additionalProperty === 'string')
    throw new GovernanceError('invalid-filter', `${field}: not a filter of this listing`, { field });
  const allowed = Array.isArray(v?.params?.allowedValues) ? ` (one of ${(v.params.allowedValues as unknown[]).join(', ')})` : '';
  throw new GovernanceError('invalid-filter', `${field || 'query'}: ${err.message.replace(/^querystring\/\S+ /, '')}${allowed}`, {
    field,
  });
}

export function operatorRoutes(app: FastifyInstance, oversight: Oversight, auth: Auth): void {
  const tags = ['operator'];

  app.get<{ Querystring: MailboxSearch & { cursor?: string; limit?: number } }>(
    '/api/v1/operator/mailboxes',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Every mailbox of the operator, filtered, in creation order, by keyset pages (operator administrators)',
        description:
          'Decided by the access decision point (action list-mailboxes) and audited before any filter is read. Pages follow `next` and ' +
          'neither skip nor repeat a mailbox whatever is created or closed meanwhile. Released mailboxes are listed too.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: ['PER', 'ORG', 'APP', 'CAB'] },
            status: { type: 'string', enum: ['active', 'suspended', 'closed'] },
            owner: { type: 'string', maxLength: 40, description: 'Directory attachment (IdNat of a person or a structure)' },
            structure: { type: 'string', maxLength: 40, description: 'IdNat of a structure: its ORG/APP, and PER/CAB of situations in it' },
            listeRouge: { type: 'boolean' },
            address: { type: 'string', maxLength: 254, description: 'Part of the address, case-insensitive' },
            createdFrom: { type: 'string', maxLength: 40, description: `Created at or after (${day})` },
            createdTo: { type: 'string', maxLength: 40, description: `Created before, or through that day (${day})` },
            closedFrom: { type: 'string', maxLength: 40, description: `Closed at or after (${day})` },
            closedTo: { type: 'string', maxLength: 40, description: `Closed before, or through that day (${day})` },
            ...paging,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              mailboxes: { type: 'array', items: listedMailboxSchema },
              next: { ...nullableString, description: 'Cursor of the next page; null on the last one' },
            },
            required: ['mailboxes', 'next'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { principal } = await auth(req);
      const { cursor, limit, ...search } = req.query;
      // Decide first: whoever may not list learns nothing, not even whether a filter is valid.
      return oversight.listMailboxes(principal, search, { cursor, limit }, () => refuseQuery(req));
    },
  );

  app.get<{ Querystring: AuditSearch & { cursor?: string; limit?: number } }>(
    '/api/v1/operator/audit',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'The audit trail of access decisions, filtered, in time order, by keyset pages (operator administrators)',
        description:
          'Every decision of the access decision point (IMAP, SMTP, admin API…), allowed or denied, with its reason. Reading it is itself ' +
          'decided (action read-audit) and audited. Pages follow `next`; new entries come after the last page.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            principal: { type: 'string', maxLength: 120, description: 'IdNat of a person, operator-admin:<name> or certificate:<serial>' },
            mailbox: { type: 'string', maxLength: 254, description: 'The mailbox address, case-insensitive' },
            from: { type: 'string', maxLength: 40, description: `At or after (${day})` },
            to: { type: 'string', maxLength: 40, description: `Before, or through that day (${day})` },
            outcome: { type: 'string', enum: ['allowed', 'denied'] },
            channel: { type: 'string', enum: [...AUDIT_CHANNELS] },
            action: { type: 'string', maxLength: 60, description: 'read, send, create, authenticate, read-audit…' },
            ...paging,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              entries: { type: 'array', items: auditEntrySchema },
              next: { ...nullableString, description: 'Cursor of the next page; null on the last one' },
            },
            required: ['entries', 'next'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { principal } = await auth(req);
      const { cursor, limit, ...search } = req.query;
      return oversight.readAudit(principal, search, { cursor, limit }, () => refuseQuery(req));
    },
  );
}
