// The indicators dashboard on the operator's HTTP server (R-IND-1): `/indicateurs`, for the
// operator's administrator, who logs in with the admin API's credentials on a form; the session
// is a cookie. Every reading goes through the decision point as the API's does (audited, channel
// `webmail`: the operator's web front). Server-rendered HTML and SVG, no script.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl } from '@mss/access';
import { indicatorPeriod, indicatorsCsv, parsePeriod } from '@mss/domain';
import type { Store } from '@mss/store';
import { adminCredentialsMatch } from '../auth.ts';
import { readIndicators } from '../indicators.ts';
import { dashboardFigures } from './figures.ts';
import { dashboardPage, loginPage } from './page.ts';
import { AdminSessions, sessionOf } from './sessions.ts';

export interface DashboardOptions {
  store: Store;
  access: AccessControl;
  operator: string;
  adminPassword: string | undefined;
  sessions?: AdminSessions;
}

const ADMIN = { kind: 'operator-admin', name: 'admin' } as const;

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const sessions = options.sessions ?? new AdminSessions();
  // The login form's body, only in this plugin's scope (the API takes JSON only).
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const html = (reply: FastifyReply, status: number, body: string) =>
      reply
        .code(status)
        .header('cache-control', 'no-store')
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        .type('text/html; charset=utf-8')
        .send(body);
    const loggedIn = (req: FastifyRequest) => sessions.valid(sessionOf(req.headers.cookie));
    const month = (req: FastifyRequest): string | null => {
      const asked = (req.query as { mois?: string }).mois;
      return asked === undefined || asked === '' ? indicatorPeriod(new Date()) : parsePeriod(asked);
    };

    scope.get('/indicateurs/connexion', { schema: { hide: true } }, async (_req, reply) => html(reply, 200, loginPage()));

    scope.post('/indicateurs/connexion', { schema: { hide: true } }, async (req, reply) => {
      const body = (req.body ?? {}) as { user?: string; password?: string };
      if (!adminCredentialsMatch(options.adminPassword, body.user ?? '', body.password ?? '')) {
        await options.access.recordTokenFailure({ mailbox: null, channel: 'webmail', code: 'bad-admin-credentials' });
        return html(reply, 401, loginPage({ error: 'Identifiant ou mot de passe incorrect.' }));
      }
      return reply.code(303).header('set-cookie', sessions.cookie(sessions.open())).header('location', '/indicateurs').send();
    });

    scope.post('/indicateurs/deconnexion', { schema: { hide: true } }, async (req, reply) => {
      sessions.close(sessionOf(req.headers.cookie));
      return reply.code(303).header('set-cookie', sessions.cookie(null)).header('location', '/indicateurs/connexion').send();
    });

    scope.get('/indicateurs', { schema: { hide: true } }, async (req, reply) => {
      if (!loggedIn(req)) return reply.code(303).header('location', '/indicateurs/connexion').send();
      const period = month(req);
      if (!period) return html(reply, 400, loginPage({ error: 'Mois invalide : attendu AAAA-MM.' }));
      const report = await readIndicators(options, { principal: ADMIN, clientId: null, channel: 'webmail' }, period);
      return html(reply, 200, dashboardPage({ period, operator: options.operator, figures: dashboardFigures(report.rows) }));
    });

    scope.get('/indicateurs/export.csv', { schema: { hide: true } }, async (req, reply) => {
      if (!loggedIn(req)) return reply.code(303).header('location', '/indicateurs/connexion').send();
      const period = month(req);
      if (!period) return reply.code(400).type('text/plain; charset=utf-8').send('mois invalide : attendu AAAA-MM\n');
      const report = await readIndicators(options, { principal: ADMIN, clientId: null, channel: 'webmail' }, period);
      return reply
        .header('content-disposition', `attachment; filename="indicateurs-${period}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(indicatorsCsv(report.rows));
    });
  });
}
