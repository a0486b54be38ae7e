// The operator's webmail (issue #16), a fastify plugin served by the operator's HTTP server at
// /webmail: Pro Santé Connect login (code + PKCE), a server-side session, the mailboxes the
// person may open as the decision point answers (channel `webmail`, audited), CGU acceptance
// (R-CAB-4), and the governance screens over @mss/governance (cotitulaires, ownership,
// delegations, history). Pages are server-rendered; one small script module adds what a page
// cannot do alone (a mailbox lost while the page is open, a file too large before upload).

import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenError, principalOf, type AccessControl, type Principal, type RevocationEvent, type TokenValidator } from '@mss/access';
import { GovernanceError, type Governance } from '@mss/governance';
import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import { sameToken, setCookie } from '@mss/web-kit';
import { refusalText } from './governance-text.ts';
import type { Viewer } from './html.ts';
import { boxHref } from './html.ts';
import { cguPage, historyPage, loginPage, mailboxesPage, managePage, problemPage, type Names } from './pages.ts';
import { PscLogin, PscUnavailable, type PscSettings } from './psc-login.ts';
import { JmapClient, type Transport } from './jmap-client.ts';
import { mailRoutes } from './mail-routes.ts';
import { suggest, type AnnuaireSettings } from './annuaire.ts';
import {
  COOKIE_PATH,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  Sessions,
  type OpenableMailbox,
  type SessionLimits,
  type WebmailSession,
} from './sessions.ts';

export interface WebmailOptions {
  psc: PscSettings;
  tokenValidator: TokenValidator;
  access: AccessControl;
  governance: Governance;
  /** Read for display names of the people on a governance screen (the directory, public facts). */
  store: Store;
  logger: Logger;
  /** Mark cookies Secure (default true: browsers keep them on http://127.0.0.1 and localhost). */
  secureCookies?: boolean;
  now?: () => number;
  sessionLimits?: Partial<SessionLimits>;
  /** Attachments per message in all (default 15 MiB: base64 takes it to the relays' 25 MiB with room for the text). */
  maxAttachmentBytes?: number;
  /** The Annuaire Santé for recipient suggestions (FHIR v2, resolver); none: no suggestions. */
  annuaire?: AnnuaireSettings;
}

const STATIC: Readonly<Record<string, { file: URL; type: string }>> = {
  'webmail.js': { file: new URL('../static/webmail.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  'webmail.css': { file: new URL('../static/webmail.css', import.meta.url), type: 'text/css; charset=utf-8' },
};

/** The refresh margin: an access token this close to its end is renewed before use. */
const REFRESH_MARGIN_MS = 30_000;

type Form = Record<string, string | undefined>;

export function webmail(options: WebmailOptions): (app: FastifyInstance) => Promise<void> {
  const psc = new PscLogin(options.psc);
  const secure = options.secureCookies ?? true;
  const log = options.logger.child({ service: 'webmail' });
  const { access, governance: gov } = options;
  const pscOrigin = new URL(options.psc.issuer).origin;

  return async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    // JMAP through the operator's own HTTP server, in process: the token never leaves it.
    const transport: Transport = async (r) => {
      const res = await app.inject({
        method: r.method,
        url: r.path,
        headers: r.headers,
        ...(r.body !== undefined ? { payload: r.body } : {}),
      });
      return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.rawPayload };
    };
    const sessions = new Sessions({
      store: options.store,
      jmap: (token) => new JmapClient(transport, token),
      now: options.now,
      limits: options.sessionLimits,
    });
    // What a request changed of its session (tokens, mailboxes decided again) is written before the answer leaves.
    const sessionOfRequest = new WeakMap<FastifyRequest, WebmailSession>();
    app.addHook('onSend', async (req, _reply, payload) => {
      const s = sessionOfRequest.get(req);
      if (s) await sessions.save(s);
      return payload;
    });
    const sweeper = setInterval(() => {
      sessions.sweep().catch((err: unknown) => log.warn({ err }, 'webmail: session sweep failed'));
    }, 60_000);
    sweeper.unref();
    app.addHook('onClose', async () => clearInterval(sweeper));

    // Remote images are blocked by the CSP too, unless the reader asked to see a message's.
    const html = (reply: FastifyReply, status: number, body: string, remoteImages = false) =>
      reply
        .code(status)
        .header('cache-control', 'no-store')
        .header('x-frame-options', 'DENY')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin')
        .header(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'${remoteImages ? ' https: http:' : ''}; connect-src 'self'; form-action 'self' ${pscOrigin}; frame-ancestors 'none'; base-uri 'none'`,
        )
        .type('text/html; charset=utf-8')
        .send(body);
    const redirect = (reply: FastifyReply, location: string, cookies?: string[]) => {
      if (cookies) void reply.header('set-cookie', cookies);
      return reply.code(303).header('cache-control', 'no-store').header('location', location).send();
    };
    // With a configured redirect URI (mss serve), the public origin is its origin, never the request's Host.
    const configuredOrigin = options.psc.redirectUri ? new URL(options.psc.redirectUri).origin : undefined;
    const base = (req: FastifyRequest) => configuredOrigin ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    const clearSession = () => setCookie(SESSION_COOKIE, '', { secure, path: COOKIE_PATH, maxAgeSeconds: 0 });

    const viewer = (s: WebmailSession): Viewer => ({ displayName: s.displayName, idnat: s.idnat, csrf: s.csrf, mailboxes: s.mailboxes });

    /**
     * The mailboxes a person may open now, each decided by the decision point (channel webmail,
     * audited); whether the CGU in force stop them (R-CAB-4).
     */
    const openable = async (principal: Principal, idnat: string): Promise<{ mailboxes: OpenableMailbox[]; cguNeeded: boolean }> => {
      const listed = principal.kind === 'local-person' ? await gov.localMailboxes(idnat) : await gov.myMailboxes(idnat);
      const mailboxes: OpenableMailbox[] = [];
      let cguNeeded = false;
      for (const m of listed) {
        if (m.status === 'closed') continue;
        const d = await access.decide({
          principal,
          mailbox: m.address,
          action: 'read',
          channel: 'webmail',
          clientId: psc.settings.clientId,
        });
        if (d.allowed)
          mailboxes.push({
            address: d.address,
            mailboxId: d.mailboxId,
            type: d.mailboxType,
            role: d.role,
            endAt: 'endAt' in m && typeof m.endAt === 'string' ? m.endAt : null,
          });
        else if (d.reason === 'cgu-not-accepted') cguNeeded = true;
      }
      return { mailboxes, cguNeeded };
    };

    /** The session of a request, its token renewed when close to its end; otherwise the reply already sent. */
    const sessionOf = async (req: FastifyRequest, reply: FastifyReply): Promise<WebmailSession | undefined> => {
      const found = await sessions.get(req);
      if ('ended' in found) {
        const to = `/webmail${found.ended ? `?fin=${found.ended}` : ''}`;
        if (req.method === 'GET') await redirect(reply, to, [clearSession()]);
        else await html(reply, 401, loginPage({ reason: found.ended ?? 'expiree' }));
        return undefined;
      }
      const s = found.session;
      if (s.tokens.expiresAt - REFRESH_MARGIN_MS <= sessions.now()) {
        try {
          if (!s.tokens.refreshToken) throw new Error('no refresh token');
          const fresh = await psc.refresh(s.tokens.refreshToken, sessions.now());
          await options.tokenValidator.validate(fresh.accessToken);
          s.tokens = { ...fresh, givenName: s.tokens.givenName, familyName: s.tokens.familyName };
          await sessions.save(s);
        } catch (err) {
          log.info({ idnat: s.idnat, err: err instanceof Error ? err.message : String(err) }, 'webmail: PSC session not renewed');
          await sessions.end(s.id, 'revoquee');
          if (req.method === 'GET') await redirect(reply, '/webmail?fin=revoquee', [clearSession()]);
          else await html(reply, 401, loginPage({ reason: 'revoquee' }));
          return undefined;
        }
      }
      sessionOfRequest.set(req, s);
      return s;
    };

    /** A POST must carry the session's token and, when the browser says where it comes from, come from here. */
    const csrfOk = (req: FastifyRequest, s: WebmailSession, token: string | undefined): boolean => {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== base(req)) return false;
      return token !== undefined && sameToken(token, s.csrf);
    };
    const trusted = (req: FastifyRequest, s: WebmailSession): boolean => csrfOk(req, s, ((req.body ?? {}) as Form)._csrf);

    const forbidden = (reply: FastifyReply, s: WebmailSession) =>
      html(
        reply,
        403,
        problemPage(viewer(s), 'Action refusée', 'Ce formulaire a expiré ou ne vient pas de la messagerie. Rechargez la page.'),
      );

    const names = async (idnats: Iterable<string>): Promise<Names> => {
      const out = new Map<string, string>();
      for (const id of new Set(idnats)) {
        const p = /^[0-9]/.test(id) ? await options.store.directory.person(id) : undefined;
        if (p) out.set(id, `${p.first_name} ${p.last_name}`.trim());
      }
      return out;
    };

    // --- static files -------------------------------------------------------------------
    app.get<{ Params: { file: string } }>('/webmail/static/:file', { schema: { hide: true } }, async (req, reply) => {
      const f = Object.hasOwn(STATIC, req.params.file) ? STATIC[req.params.file] : undefined;
      if (!f) return reply.code(404).type('text/plain; charset=utf-8').send('introuvable\n');
      return reply
        .type(f.type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(await fs.promises.readFile(f.file));
    });

    // --- login and logout --------------------------------------------------------------
    app.get<{ Querystring: { fin?: string } }>('/webmail', { schema: { hide: true } }, async (req, reply) => {
      const found = await sessions.get(req);
      if ('session' in found) return redirect(reply, '/webmail/boites');
      return html(reply, 200, loginPage(req.query.fin ? { reason: req.query.fin } : {}));
    });

    app.get('/webmail/connexion', { schema: { hide: true } }, async (req, reply) => {
      const redirectUri = options.psc.redirectUri ?? `${base(req)}/webmail/callback`;
      const start = await psc.start(redirectUri);
      const id = await sessions.startLogin({ state: start.state, nonce: start.nonce, verifier: start.verifier, redirectUri });
      return redirect(reply, start.url.href, [setCookie(LOGIN_COOKIE, id, { secure, path: COOKIE_PATH, maxAgeSeconds: 600 })]);
    });

    app.get<{ Querystring: Record<string, string> }>('/webmail/callback', { schema: { hide: true } }, async (req, reply) => {
      const pending = await sessions.takeLogin(req);
      const clear = setCookie(LOGIN_COOKIE, '', { secure, path: COOKIE_PATH, maxAgeSeconds: 0 });
      if (req.query.error) {
        const refused = req.query.error === 'access_denied';
        void reply.header('set-cookie', [clear]);
        return html(
          reply,
          200,
          loginPage({
            error: refused
              ? 'La connexion a été refusée sur votre e-CPS.'
              : `La connexion avec Pro Santé Connect a échoué : ${req.query.error}${req.query.error_description ? ` (${req.query.error_description})` : ''}.`,
          }),
        );
      }
      if (!pending) return redirect(reply, '/webmail?fin=connexion', [clear]);
      let tokens: Awaited<ReturnType<PscLogin['finish']>>;
      let principal: Principal;
      let idnat: string;
      try {
        const query = req.url.indexOf('?');
        tokens = await psc.finish(new URL(`${pending.redirectUri}${query >= 0 ? req.url.slice(query) : ''}`), pending, sessions.now());
        // The operator validates the access token itself, as every channel does (R-AUTH-1).
        const t = await options.tokenValidator.validate(tokens.accessToken);
        principal = principalOf(t);
        idnat = t.idnat;
      } catch (err) {
        const code = err instanceof TokenError ? err.code : 'callback';
        if (err instanceof TokenError)
          await access.recordTokenFailure({ mailbox: null, channel: 'webmail', clientId: psc.settings.clientId, code });
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'webmail: PSC callback refused');
        void reply.header('set-cookie', [clear]);
        return html(
          reply,
          400,
          loginPage({ error: 'La réponse de Pro Santé Connect n’a pas pu être vérifiée. Recommencez la connexion.' }),
        );
      }
      const { mailboxes } = await openable(principal, idnat);
      const displayName = `${tokens.givenName} ${tokens.familyName}`.trim() || idnat;
      const s = await sessions.create({ principal, idnat, displayName, tokens, mailboxes });
      log.info({ idnat }, 'webmail: logged in with Pro Santé Connect');
      return redirect(reply, '/webmail/boites', [clear, setCookie(SESSION_COOKIE, s.id, { secure, path: COOKIE_PATH })]);
    });

    app.post('/webmail/deconnexion', { schema: { hide: true } }, async (req, reply) => {
      const s = await sessionOf(req, reply);
      if (!s) return reply;
      if (!trusted(req, s)) return forbidden(reply, s);
      await sessions.end(s.id, 'deconnecte');
      if (s.tokens.refreshToken) await psc.revoke(s.tokens.refreshToken);
      return redirect(reply, '/webmail?fin=deconnecte', [clearSession()]);
    });

    // --- mailboxes and CGU ---------------------------------------------------------------
    app.get<{ Querystring: { cgu?: string } }>('/webmail/boites', { schema: { hide: true } }, async (req, reply) => {
      const s = await sessionOf(req, reply);
      if (!s) return reply;
      const { mailboxes, cguNeeded } = await openable(s.principal, s.idnat);
      s.mailboxes = mailboxes;
      if (cguNeeded) return redirect(reply, '/webmail/cgu');
      return html(
        reply,
        200,
        mailboxesPage(viewer(s), req.query.cgu ? 'Conditions générales acceptées : vos boîtes sont ouvertes.' : undefined),
      );
    });

    app.get('/webmail/cgu', { schema: { hide: true } }, async (req, reply) => {
      const s = await sessionOf(req, reply);
      if (!s) return reply;
      return html(reply, 200, cguPage(viewer(s), await gov.currentCgu()));
    });

    app.post('/webmail/cgu', { schema: { hide: true } }, async (req, reply) => {
      const s = await sessionOf(req, reply);
      if (!s) return reply;
      if (!trusted(req, s)) return forbidden(reply, s);
      const form = req.body as Form;
      try {
        await gov.acceptCgu(s.principal, form.version ?? '');
      } catch (err) {
        if (err instanceof GovernanceError)
          return html(reply, 409, cguPage(viewer(s), await gov.currentCgu(), refusalText(err.kind, err.message)));
        throw err;
      }
      log.info({ idnat: s.idnat, version: form.version }, 'webmail: CGU accepted');
      return redirect(reply, '/webmail/boites?cgu=1');
    });

    // --- one mailbox ---------------------------------------------------------------------
    /** The mailbox of the path, decided again for this request (it may have been lost since the list was made). */
    const mailboxOf = async (s: WebmailSession, address: string, reply: FastifyReply): Promise<OpenableMailbox | undefined> => {
      const d = await access.decide({
        principal: s.principal,
        mailbox: address,
        action: 'read',
        channel: 'webmail',
        clientId: psc.settings.clientId,
      });
      if (!d.allowed) {
        s.mailboxes = s.mailboxes.filter((m) => m.address.toLowerCase() !== address.toLowerCase());
        if (d.reason === 'cgu-not-accepted') {
          await redirect(reply, '/webmail/cgu');
          return undefined;
        }
        await html(
          reply,
          403,
          problemPage(viewer(s), 'Boîte inaccessible', 'Vous n’avez pas, ou plus, accès à cette boîte aux lettres.', {
            href: '/webmail/boites',
            label: 'Mes boîtes',
          }),
        );
        return undefined;
      }
      const known = s.mailboxes.find((m) => m.mailboxId === d.mailboxId);
      const box = { address: d.address, mailboxId: d.mailboxId, type: d.mailboxType, role: d.role, endAt: known?.endAt ?? null };
      if (!known) s.mailboxes.push(box);
      return box;
    };

    mailRoutes(app, {
      log,
      maxAttachmentBytes: options.maxAttachmentBytes ?? 15 * 1024 * 1024,
      sessionOf,
      mailboxOf,
      html,
      redirect: (reply, location) => redirect(reply, location),
      csrfOk,
      forbidden,
      viewer,
    });

    const manage = async (
      s: WebmailSession,
      box: OpenableMailbox,
      reply: FastifyReply,
      status: number,
      flash: { notice?: string; error?: string },
    ) => {
      const view = await gov.getMailbox(s.principal, box.address);
      const ids = [...view.holders.map((h) => h.idnat), ...(view.delegations ?? []).flatMap((d) => [d.delegateIdnat, d.grantedBy])];
      return html(reply, status, managePage(viewer(s), box, view, await names(ids), flash));
    };

    app.get<{ Params: { address: string }; Querystring: { ok?: string } }>(
      '/webmail/bal/:address/gestion',
      { schema: { hide: true } },
      async (req, reply) => {
        const s = await sessionOf(req, reply);
        if (!s) return reply;
        const box = await mailboxOf(s, req.params.address, reply);
        if (!box) return reply;
        return manage(s, box, reply, 200, req.query.ok ? { notice: DONE[req.query.ok] ?? 'Modification enregistrée.' } : {});
      },
    );

    const DONE: Readonly<Record<string, string>> = {
      cotitulaire: 'Cotitulaire ajouté.',
      retrait: 'Cotitulaire retiré.',
      delegation: 'Délégation accordée.',
      revocation: 'Délégation révoquée : la personne perd l’accès immédiatement.',
    };

    /** One governance form: checked, run as the person, then back to the screen with what happened. */
    const action = (
      path: string,
      run: (s: WebmailSession, box: OpenableMailbox, form: Form, params: Record<string, string>) => Promise<string>,
    ) =>
      app.post<{ Params: Record<string, string> }>(`/webmail/bal/:address${path}`, { schema: { hide: true } }, async (req, reply) => {
        const s = await sessionOf(req, reply);
        if (!s) return reply;
        if (!trusted(req, s)) return forbidden(reply, s);
        const box = await mailboxOf(s, req.params.address ?? '', reply);
        if (!box) return reply;
        let next: string;
        try {
          next = await run(s, box, req.body as Form, req.params);
        } catch (err) {
          if (err instanceof GovernanceError) return manage(s, box, reply, 400, { error: refusalText(err.kind, err.message) });
          throw err;
        }
        return redirect(reply, next);
      });

    const idnatOf = (form: Form) => (form.idnat ?? '').trim();
    action('/gestion/cotitulaires', async (s, box, form) => {
      await gov.addCotitulaire(s.principal, box.address, idnatOf(form));
      return boxHref(box.address, '/gestion?ok=cotitulaire');
    });
    action('/gestion/cotitulaires/retirer', async (s, box, form) => {
      await gov.removeCotitulaire(s.principal, box.address, idnatOf(form), 'retiré depuis la messagerie');
      return boxHref(box.address, '/gestion?ok=retrait');
    });
    action('/gestion/transfert', async (s, box, form) => {
      await gov.transferOwnership(s.principal, box.address, idnatOf(form), form.motif?.trim() || null);
      // The former owner keeps no role (R-CAB-6): back to their list, where the CAB is gone.
      s.mailboxes = (await openable(s.principal, s.idnat)).mailboxes;
      return '/webmail/boites';
    });
    action('/gestion/delegations', async (s, box, form) => {
      const end = (form.fin ?? '').trim();
      // A date alone means through that day, as the CLI's --until (governance reads it).
      const endAt = end || null;
      await gov.grantDelegation(s.principal, box.address, { delegateIdnat: idnatOf(form), endAt });
      return boxHref(box.address, '/gestion?ok=delegation');
    });
    action('/gestion/delegations/:id/revoquer', async (s, box, form, params) => {
      const id = Number(params.id);
      if (!Number.isSafeInteger(id)) throw new GovernanceError('delegation-not-found', 'no such delegation');
      await gov.revokeDelegation(s.principal, box.address, id, form.motif?.trim() || 'révoquée depuis la messagerie');
      return boxHref(box.address, '/gestion?ok=revocation');
    });

    app.get<{ Params: { address: string } }>('/webmail/bal/:address/historique', { schema: { hide: true } }, async (req, reply) => {
      const s = await sessionOf(req, reply);
      if (!s) return reply;
      const box = await mailboxOf(s, req.params.address, reply);
      if (!box) return reply;
      try {
        const entries = await gov.history(s.principal, box.address, { limit: 200 });
        const ids = entries.flatMap((e) => [e.actor, e.subjectIdnat ?? '', String(e.details.from ?? ''), String(e.details.to ?? '')]);
        return html(reply, 200, historyPage(viewer(s), box, entries, await names(ids.filter(Boolean))));
      } catch (err) {
        if (err instanceof GovernanceError)
          return html(
            reply,
            403,
            problemPage(viewer(s), 'Historique', refusalText(err.kind, err.message), { href: boxHref(box.address), label: 'Retour' }),
          );
        throw err;
      }
    });

    // --- recipient suggestions from the Annuaire Santé ------------------------------------
    app.get<{ Querystring: { q?: string } }>('/webmail/annuaire', { schema: { hide: true } }, async (req, reply) => {
      const found = await sessions.get(req);
      if (!('session' in found)) return reply.code(401).type('application/json').send({ error: 'session' });
      const q = (req.query.q ?? '').trim();
      if (!options.annuaire || q.length < 2 || q.length > 60) return reply.header('cache-control', 'no-store').send({ suggestions: [] });
      try {
        return reply.header('cache-control', 'no-store').send({ suggestions: await suggest(options.annuaire, q) });
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'webmail: Annuaire search failed');
        return reply.code(502).send({ suggestions: [], error: 'annuaire' });
      }
    });

    // --- live changes: a mailbox lost while a page is open ------------------------------
    app.get('/webmail/evenements', { schema: { hide: true } }, async (req, reply) => {
      const found = await sessions.get(req);
      if (!('session' in found)) return reply.code(401).type('text/plain; charset=utf-8').send('session terminée\n');
      const s = found.session;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      res.write(': ouvert\n\n');
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let checking = Promise.resolve();
      const recheck = (reason: string) => {
        checking = checking.then(async () => {
          const before = s.mailboxes;
          const { mailboxes, cguNeeded } = await openable(s.principal, s.idnat);
          s.mailboxes = mailboxes;
          await sessions.save(s);
          for (const m of before)
            if (!mailboxes.some((x) => x.mailboxId === m.mailboxId)) send('boite-perdue', { address: m.address, reason });
          if (cguNeeded) send('cgu', {});
        });
        checking.catch((err: unknown) => log.warn({ err }, 'webmail: recheck failed'));
      };
      const unsubscribe = access.bus.subscribe((e: RevocationEvent) => {
        const why = reasonOf(e, s);
        if (why !== undefined) recheck(why);
      });
      const keepAlive = setInterval(() => res.write(': \n\n'), 25_000);
      req.raw.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
    });

    app.setErrorHandler(async (err, req, reply) => {
      if (err instanceof PscUnavailable) {
        log.error({ err }, 'webmail: PSC unreachable');
        return html(
          reply,
          503,
          loginPage({ error: 'Pro Santé Connect est momentanément indisponible. Réessayez dans quelques instants.' }),
        );
      }
      const e = err as { statusCode?: number; message?: string };
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
        return html(reply, e.statusCode, problemPage(undefined, 'Requête invalide', 'La demande n’a pas pu être lue.'));
      log.error({ err, url: req.url }, 'webmail error');
      return html(reply, 500, problemPage(undefined, 'Erreur', 'Une erreur inattendue est survenue. Réessayez.'));
    });
  };
}

/** What a revocation event means for one session (French, shown to the person), or undefined when it does not concern it. */
function reasonOf(e: RevocationEvent, s: WebmailSession): string | undefined {
  const mine = (id: number) => s.mailboxes.some((m) => m.mailboxId === id);
  switch (e.kind) {
    case 'delegation-ended':
      return e.idnat === s.idnat && mine(e.mailboxId) ? `délégation terminée (${e.reason})` : undefined;
    case 'holder-removed':
      return e.idnat === s.idnat && mine(e.mailboxId) ? 'vous avez été retiré des titulaires' : undefined;
    case 'ownership-transferred':
      return mine(e.mailboxId) && (e.from === s.idnat || e.to === s.idnat) ? 'la propriété a été transférée' : undefined;
    case 'mailbox-status-changed':
      return mine(e.mailboxId) ? (e.status === 'closed' ? 'la boîte a été fermée' : 'la boîte a été suspendue') : undefined;
    case 'cgu-published':
      return 'nouvelles conditions générales à accepter';
    case 'local-person-removed':
      return e.idnat === s.idnat ? 'votre déclaration a été retirée' : undefined;
    case 'certificate-revoked':
      return undefined;
  }
}
