// The portal's web pages: the secretary's side behind FranceConnect, the titular's behind Pro
// Santé Connect (code + PKCE, approved on the e-CPS). Every rule is the portal's (`RppsPlus`);
// this module only asks and shows. A refusal is shown on the page it came from, with what was
// typed kept (nothing lost).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readForm, WebSite } from '@mss/oidc-kit';
import type { Logger } from '@mss/runtime';
import { RppsPlusError } from '../errors.ts';
import { practiceName, type RegistrationKind, type RppsPlus } from '../portal.ts';
import { claimText as text, OidcRelyingParty, ProviderUnavailable, type RelyingPartySettings } from '@mss/web-kit';
import {
  formFromIdentity,
  homePage,
  loggedOutPage,
  newRequestPage,
  problemPage,
  secretaryPage,
  titularPage,
  type RequestFormValues,
  type Viewer,
} from './pages.ts';
import type { PendingPortalLogin, PortalSession } from './sessions.ts';

export interface PortalWebOptions {
  franceconnect: RelyingPartySettings;
  psc: RelyingPartySettings;
  logger: Logger;
  /** Mark cookies `Secure` (default true: browsers keep them on http://127.0.0.1, a secure context). */
  secureCookies?: boolean;
}

export type WebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

function loginFailure(provider: string, error: string, description: string): string {
  if (error === 'access_denied' && /cancel/i.test(description)) return `Vous avez annulé la connexion avec ${provider}.`;
  if (error === 'access_denied') return `La connexion avec ${provider} a été refusée (${description || 'sans précision'}).`;
  return `La connexion avec ${provider} a échoué : ${error}${description ? ` (${description})` : ''}.`;
}

const KINDS: readonly string[] = ['SECRETARY', 'MEDICAL_ASSISTANT'];

export function portalWeb(portal: RppsPlus, options: PortalWebOptions): WebHandler & { sweeper: NodeJS.Timeout } {
  const fc = new OidcRelyingParty(options.franceconnect, {
    scope: 'openid identite_pivot email',
    extraParams: { acr_values: 'eidas1' },
    metadata: { id_token_signed_response_alg: 'ES256', userinfo_signed_response_alg: 'ES256' },
  });
  const psc = new OidcRelyingParty(options.psc, { scope: 'openid scope_all', extraParams: { acr_values: 'eidas1' } });
  const site = new WebSite<PortalSession, PendingPortalLogin>({
    cookies: { session: 'rpps_session', login: 'rpps_connexion' },
    secure: options.secureCookies ?? true,
    formOrigins: [new URL(options.franceconnect.issuer).origin, new URL(options.psc.issuer).origin],
  });
  const log = options.logger.child({ service: 'rpps-plus-web' });

  const send = site.send.bind(site);
  const redirect = site.redirect.bind(site);
  const base = (req: IncomingMessage) => site.base(req);
  const viewer = (s: PortalSession): Viewer => ({
    displayName: s.displayName,
    csrf: s.csrf,
    home: s.kind === 'titular' ? '/titulaire' : '/secretaire',
  });
  const trusted = (req: IncomingMessage, s: PortalSession, form: URLSearchParams): boolean => site.trusted(req, s, form.get('_csrf'));
  const forbidden = (res: ServerResponse, s: PortalSession): true =>
    send(res, 403, problemPage('Action refusée', 'Ce formulaire a expiré ou ne vient pas du portail RPPS+. Rechargez la page.', viewer(s)));

  const startLogin = (req: IncomingMessage, res: ServerResponse, provider: 'franceconnect' | 'psc'): Promise<true> =>
    site.startLogin(req, res, provider === 'psc' ? psc : fc, `/${provider}/retour`, { provider });

  const finishLogin = async (req: IncomingMessage, res: ServerResponse, url: URL, provider: 'franceconnect' | 'psc'): Promise<true> => {
    const label = provider === 'psc' ? 'Pro Santé Connect' : 'FranceConnect';
    const { pending, clear } = site.takeLogin(req);
    const error = url.searchParams.get('error');
    if (error)
      return send(res, 200, homePage({ error: loginFailure(label, error, url.searchParams.get('error_description') ?? '') }), {
        'set-cookie': clear,
      });
    if (!pending || pending.provider !== provider)
      return send(res, 400, homePage({ error: 'La connexion a expiré ou a été interrompue. Recommencez.' }), { 'set-cookie': clear });
    let result: Awaited<ReturnType<OidcRelyingParty['finish']>>;
    try {
      result = await (provider === 'psc' ? psc : fc).finish(new URL(`${base(req)}${req.url ?? ''}`), pending);
    } catch (err) {
      log.warn({ err, provider }, 'rpps-plus-web: login callback refused');
      return send(res, 400, homePage({ error: `La réponse de ${label} n’a pas pu être vérifiée. Recommencez la connexion.` }), {
        'set-cookie': clear,
      });
    }
    const c = result.claims;
    if (provider === 'franceconnect') {
      const identity = {
        sub: text(c.sub),
        givenName: text(c.given_name),
        familyName: text(c.family_name),
        birthdate: text(c.birthdate),
        gender: text(c.gender),
        email: text(c.email),
      };
      site.logIn(
        res,
        { kind: 'secretary', identity, displayName: `${identity.givenName} ${identity.familyName}` },
        result.idToken,
        '/secretaire',
        clear,
      );
      log.info('rpps-plus-web: applicant logged in with FranceConnect');
      return true;
    }
    const idnat = text(c.SubjectNameID) || text(c.preferred_username);
    const person = idnat ? await portal.annuaire.person(idnat) : undefined;
    if (!person || person.kind !== 'PS')
      return send(
        res,
        403,
        homePage({
          error: `Le portail RPPS+ est réservé aux professionnels de santé titulaires d'un cabinet : ${idnat || 'cet identifiant'} n'en est pas un.`,
        }),
        { 'set-cookie': clear },
      );
    site.logIn(
      res,
      { kind: 'titular', idnat, displayName: `${person.first_name} ${person.last_name}` },
      result.idToken,
      '/titulaire',
      clear,
    );
    log.info({ idnat }, 'rpps-plus-web: titular logged in with Pro Santé Connect');
    return true;
  };

  const employerNames = async (idnats: Iterable<string>): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const idnat of new Set(idnats)) {
      const p = await portal.annuaire.person(idnat);
      if (p) out.set(idnat, `${p.first_name} ${p.last_name}`);
    }
    return out;
  };

  const showSecretary = async (
    res: ServerResponse,
    s: PortalSession & { kind: 'secretary' },
    status = 200,
    o: { error?: string; notice?: string } = {},
  ) => {
    const requests = await portal.applicantRequests(s.identity.sub);
    const now = portal.now().toISOString();
    return send(
      res,
      status,
      secretaryPage(viewer(s), requests, await employerNames(requests.map((r) => r.employerIdnat)), { now, today: portal.today(), ...o }),
    );
  };

  const showTitular = async (
    res: ServerResponse,
    s: PortalSession & { kind: 'titular' },
    status = 200,
    o: { error?: string; notice?: string; direct?: Partial<RequestFormValues> } = {},
  ) => {
    const mine = await portal.findProfessionals(s.idnat);
    const practices = (mine[0]?.practices ?? []).map((p) => ({ id: p.id, label: practiceName(p) }));
    const requests = await portal.titularRequests(s.idnat);
    return send(res, status, titularPage(viewer(s), { idnat: s.idnat, practices }, requests, { today: portal.today(), ...o }));
  };

  const secretaryRoutes = async (req: IncomingMessage, res: ServerResponse, url: URL, s: PortalSession & { kind: 'secretary' }) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/secretaire' && method === 'GET') {
      const notice = url.searchParams.get('envoyee')
        ? 'Votre demande a été envoyée à votre employeur.'
        : url.searchParams.get('ecps')
          ? 'Activation de votre e-CPS demandée.'
          : undefined;
      return showSecretary(res, s, 200, notice ? { notice } : {});
    }
    if (path === '/secretaire/nouvelle-demande' && method === 'GET') {
      const query = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
      const results = query ? await portal.findProfessionals(query) : undefined;
      return send(res, 200, newRequestPage(viewer(s), { query, results, values: formFromIdentity(s.identity) }));
    }
    if (path === '/secretaire/nouvelle-demande' && method === 'POST') {
      const form = await readForm(req);
      if (!trusted(req, s, form)) return forbidden(res, s);
      const [employer = '', practice = ''] = (form.get('lieu') ?? '').split('|');
      const values: RequestFormValues = {
        civility: form.get('civilite') ?? '',
        lastName: form.get('lastName') ?? '',
        firstNames: form.get('firstNames') ?? '',
        birthDate: form.get('birthDate') ?? '',
        email: form.get('email') ?? '',
        phone: form.get('phone') ?? '',
        kind: form.get('profession') ?? '',
        employer,
        practice,
      };
      try {
        await portal.submit(
          s.identity.sub,
          values,
          { kind: (KINDS.includes(values.kind) ? values.kind : '') as RegistrationKind, employer, practice: practice || undefined },
          `franceconnect:${s.displayName}`,
        );
      } catch (err) {
        if (!(err instanceof RppsPlusError)) throw err;
        // The search is run again so that the choice she made is still on the page.
        const results = employer ? await portal.findProfessionals(employer) : undefined;
        return send(
          res,
          err.status,
          newRequestPage(viewer(s), { query: employer ? employer.slice(1) : '', results, values, error: err.message }),
        );
      }
      return redirect(res, '/secretaire?envoyee=1');
    }
    const ecps = /^\/secretaire\/demandes\/(\d{1,12})\/ecps$/.exec(path);
    if (ecps && method === 'POST') {
      const form = await readForm(req);
      if (!trusted(req, s, form)) return forbidden(res, s);
      try {
        await portal.activateEcps(s.identity.sub, Number(ecps[1]), `franceconnect:${s.displayName}`);
      } catch (err) {
        if (!(err instanceof RppsPlusError)) throw err;
        return showSecretary(res, s, err.status, { error: err.message });
      }
      return redirect(res, '/secretaire?ecps=1');
    }
    return false;
  };

  const titularRoutes = async (req: IncomingMessage, res: ServerResponse, url: URL, s: PortalSession & { kind: 'titular' }) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/titulaire' && method === 'GET') {
      const n = url.searchParams.get('fait');
      return showTitular(res, s, 200, n ? { notice: n.slice(0, 200) } : {});
    }
    if (path === '/titulaire/saisie' && method === 'POST') {
      const form = await readForm(req);
      if (!trusted(req, s, form)) return forbidden(res, s);
      const direct = {
        civility: form.get('civilite') ?? '',
        lastName: form.get('nom') ?? '',
        firstNames: form.get('prenoms') ?? '',
        birthDate: form.get('naissance') ?? '',
        kind: form.get('profession') ?? '',
        practice: form.get('lieu') ?? '',
      };
      try {
        const r = await portal.enter(s.idnat, direct, {
          kind: (KINDS.includes(direct.kind) ? direct.kind : '') as RegistrationKind,
          practice: direct.practice,
        });
        return redirect(
          res,
          `/titulaire?fait=${encodeURIComponent(`${r.first_names} ${r.last_name} est enregistrée : RPPS ${r.person_idnat?.slice(1) ?? ''}.`)}`,
        );
      } catch (err) {
        if (!(err instanceof RppsPlusError)) throw err;
        return showTitular(res, s, err.status, { error: err.message, direct });
      }
    }
    const action = /^\/titulaire\/demandes\/(\d{1,12})\/(valider|refuser|fin)$/.exec(path);
    if (action && method === 'POST') {
      const form = await readForm(req);
      if (!trusted(req, s, form)) return forbidden(res, s);
      const id = Number(action[1]);
      try {
        let notice: string;
        if (action[2] === 'valider') {
          const r = await portal.validate(s.idnat, id);
          notice = `Demande n° ${id} validée : ${r.first_names} ${r.last_name} reçoit le numéro RPPS ${r.person_idnat?.slice(1) ?? ''}.`;
        } else if (action[2] === 'refuser') {
          await portal.refuse(s.idnat, id, form.get('motif') ?? '');
          notice = `Demande n° ${id} refusée.`;
        } else {
          const now = form.get('maintenant') === '1';
          const r = await portal.endSituation(s.idnat, id, now ? undefined : (form.get('date') ?? ''));
          notice = now ? `Situation d'exercice de ${r.first_names} ${r.last_name} terminée.` : `Date de fin fixée au ${r.end_date}.`;
        }
        return redirect(res, `/titulaire?fait=${encodeURIComponent(notice)}`);
      } catch (err) {
        if (!(err instanceof RppsPlusError)) throw err;
        return showTitular(res, s, err.status, { error: err.message });
      }
    }
    return false;
  };

  const routes = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/' && method === 'GET') {
      const s = site.session(req);
      if (s) return redirect(res, s.kind === 'titular' ? '/titulaire' : '/secretaire');
      return send(
        res,
        200,
        homePage(url.searchParams.get('erreur') === 'session' ? { error: 'Votre session a expiré. Identifiez-vous de nouveau.' } : {}),
      );
    }
    if (path === '/franceconnect/connexion' && method === 'GET') return startLogin(req, res, 'franceconnect');
    if (path === '/psc/connexion' && method === 'GET') return startLogin(req, res, 'psc');
    if (path === '/franceconnect/retour' && method === 'GET') return finishLogin(req, res, url, 'franceconnect');
    if (path === '/psc/retour' && method === 'GET') return finishLogin(req, res, url, 'psc');
    if ((path === '/franceconnect/deconnexion' || path === '/deconnexion/fin') && method === 'GET') return send(res, 200, loggedOutPage());
    if (!path.startsWith('/secretaire') && !path.startsWith('/titulaire') && path !== '/deconnexion') return false;
    const s = site.sessionOrAnswer(req, res, () => homePage({ error: 'Votre session a expiré. Identifiez-vous de nouveau.' }));
    if (!s) return true;
    if (path === '/deconnexion' && method === 'POST') {
      const form = await readForm(req);
      if (!trusted(req, s, form)) return forbidden(res, s);
      const end = s.kind === 'secretary' ? await fc.logoutUrl(s.idToken, `${base(req)}/franceconnect/deconnexion`) : undefined;
      return site.logOut(res, s, end, '/deconnexion/fin');
    }
    if (path.startsWith('/secretaire')) {
      if (s.kind !== 'secretary') return redirect(res, '/titulaire');
      return secretaryRoutes(req, res, url, s);
    }
    if (s.kind !== 'titular') return redirect(res, '/secretaire');
    return titularRoutes(req, res, url, s);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://rpps-plus.invalid');
    try {
      return await routes(req, res, url);
    } catch (err) {
      if (err instanceof ProviderUnavailable) {
        log.error({ err }, 'rpps-plus-web: identity provider unreachable');
        return send(
          res,
          503,
          homePage({ error: 'Le service de connexion est momentanément indisponible. Réessayez dans quelques instants.' }),
        );
      }
      throw err;
    }
  };
  return Object.assign(handler, { sweeper: site.sweeper });
}
