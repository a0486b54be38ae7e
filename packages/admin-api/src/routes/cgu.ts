import type { FastifyInstance } from 'fastify';
import type { Governance } from '@mss/governance';
import type { Authenticated } from '../auth.ts';
import { errorResponses } from '../schemas.ts';

type Auth = (req: import('fastify').FastifyRequest) => Promise<Authenticated>;

const cguSchema = {
  type: 'object',
  properties: { version: { type: 'string' }, title: { type: 'string' }, url: { type: 'string' }, published_at: { type: 'string' } },
  required: ['version', 'title', 'url', 'published_at'],
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function cguRoutes(app: FastifyInstance, gov: Governance, auth: Auth): void {
  const tags = ['cgu'];
  app.post<{ Body: { version: string; title: string } }>(
    '/api/v1/cgu',
    {
      schema: {
        tags,
        summary: 'Publish a new CGU version (operator administrator); everyone must accept it before their next access (R-CAB-4)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['version', 'title'],
          properties: { version: { type: 'string', minLength: 1, maxLength: 40 }, title: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 201: cguSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await gov.publishCgu((await auth(req)).principal, req.body)),
  );

  app.get(
    '/api/v1/cgu/current',
    { schema: { tags, summary: 'The CGU version in force', response: { 200: cguSchema, ...errorResponses } } },
    async () => gov.currentCgu(),
  );

  app.post<{ Params: { version: string } }>(
    '/api/v1/cgu/:version/accept',
    {
      schema: {
        tags,
        summary: 'Accept a CGU version as the authenticated person',
        params: { type: 'object', properties: { version: { type: 'string' } }, required: ['version'] },
        response: {
          200: {
            type: 'object',
            properties: { version: { type: 'string' }, acceptedAt: { type: 'string' } },
            required: ['version', 'acceptedAt'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => gov.acceptCgu((await auth(req)).principal, req.params.version),
  );

  // The human page the refusals point to: the terms, and how to accept them.
  app.get<{ Params: { version: string } }>('/cgu/:version', { schema: { hide: true } }, async (req, reply) => {
    const v = await gov.cguVersion(req.params.version);
    const current = v.current;
    return reply
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(v.title)}</title></head><body>
<h1>${escapeHtml(v.title)}</h1><p>Version ${escapeHtml(v.version)}, publiée le ${escapeHtml(v.published_at.slice(0, 10))}${current ? ' (en vigueur)' : ' (remplacée)'}.</p>
<p>Conditions générales d’utilisation du service de messagerie sécurisée de santé de l’opérateur (texte de démonstration du bac à sable).</p>
<h2>Accepter</h2><p>Avec votre jeton Pro Santé Connect : <code>POST /api/v1/cgu/${escapeHtml(encodeURIComponent(v.version))}/accept</code>
(<code>Authorization: Bearer …</code>), ou <code>mss cgu accept --version ${escapeHtml(v.version)} --token …</code>.</p></body></html>`);
  });
}
