import type { FastifyInstance } from 'fastify';
import type { AccessControl } from '@mss/access';
import { INDICATORS, MAILBOX_TYPES } from '@mss/domain';
import type { Store } from '@mss/store';
import type { Authenticated } from '../auth.ts';
import { readIndicators } from '../indicators.ts';
import { errorResponses } from '../schemas.ts';

type Auth = (req: import('fastify').FastifyRequest) => Promise<Authenticated>;

export const indicatorRowSchema = {
  $id: 'IndicatorRow',
  type: 'object',
  description: 'One count of a month: a person × mailbox × indicator (× code). docs/indicators.md',
  properties: {
    period: { type: 'string', description: 'YYYY-MM, the month in Europe/Paris' },
    operator: { type: 'string', description: 'The operator’s domain' },
    idnat: {
      type: 'string',
      description:
        'Sent: the person who acted (R-CAB-8), or the APP’s structure for its software; received: the mailbox’s holder of record',
    },
    mailbox: { type: 'string' },
    mailboxType: { type: 'string', enum: [...MAILBOX_TYPES] },
    indicator: { type: 'string', enum: [...INDICATORS] },
    code: {
      type: 'string',
      description: 'The CDA type code (…-by-document-type), the mismatch kind (…-with-document-mismatch), else empty',
    },
    value: { type: 'integer', minimum: 0 },
  },
  required: ['period', 'operator', 'idnat', 'mailbox', 'mailboxType', 'indicator', 'code', 'value'],
} as const;

export function indicatorRoutes(app: FastifyInstance, deps: { store: Store; access: AccessControl; operator: string }, auth: Auth): void {
  app.get<{ Querystring: { month: string } }>(
    '/api/v1/indicators',
    {
      schema: {
        tags: ['indicators'],
        summary:
          'The Ségur indicators of a month (R-IND-1): every row for the operator’s administrators, the rows counted for the caller for a person',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['month'],
          properties: { month: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              period: { type: 'string' },
              operator: { type: 'string' },
              scope: { type: 'string', enum: ['operator', 'own'] },
              generatedAt: { type: 'string' },
              rows: { type: 'array', items: { $ref: 'IndicatorRow#' } },
            },
            required: ['period', 'operator', 'scope', 'generatedAt', 'rows'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { principal, clientId } = await auth(req);
      return readIndicators(deps, { principal, clientId, channel: 'admin-api' }, req.query.month);
    },
  );
}
