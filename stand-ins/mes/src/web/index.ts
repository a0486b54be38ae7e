// The patient web mailbox (issue #13 item 4), plugged into MES's HTTP listener: log in with
// FranceConnect, conversations by professional, messages and attachments, reply and write where
// R-MES-1 and R-MES-2 allow (otherwise the reason), read receipts the patient agrees to send
// (R-MES-4). Every rule is MES's own (`MonEspaceSante`); this module only shows and asks.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mss/runtime';
import { MesError, type MonEspaceSante } from '../mes.ts';
import type { MesWebHandler } from '../service.ts';
import { FranceConnectLogin, type FranceConnectSettings } from './franceconnect.ts';
import { WebSite, type SiteSession } from '@mss/oidc-kit';
import { FormTooLarge, ProviderUnavailable, readMultipart, readUrlEncoded } from '@mss/web-kit';
import {
  conversationHref,
  conversationPage,
  conversationsPage,
  homePage,
  loggedOutPage,
  messagePage,
  mib,
  newMessagePage,
  problemPage,
  type Viewer,
} from './pages.ts';

/** The patient's web session: who, for MES, and the name shown. */
interface PatientSession extends SiteSession {
  ins: string;
  displayName: string;
}

export { sanitizeMessageHtml } from '@mss/web-kit';
export type { FranceConnectSettings } from './franceconnect.ts';

export interface MesWebOptions {
  franceconnect: FranceConnectSettings;
  logger: Logger;
  /**
   * Mark cookies `Secure`. Default true: browsers keep Secure cookies from http://127.0.0.1 and
   * http://localhost (secure contexts), and a deployment behind TLS needs nothing else.
   */
  secureCookies?: boolean;
}

/** The reasons FranceConnect gives back, in the patient's words (its descriptions are ASCII English). */
function loginFailure(error: string, description: string): string {
  if (error === 'access_denied' && /cancel/i.test(description)) return 'Vous avez annulé la connexion avec FranceConnect.';
  if (error === 'access_denied') return `Le fournisseur d'identité a refusé la connexion (${description || 'sans précision'}).`;
  return `La connexion avec FranceConnect a échoué : ${error}${description ? ` (${description})` : ''}.`;
}

const ERRORS: Readonly<Record<string, string>> = {
  session: 'Votre session a expiré. Identifiez-vous de nouveau avec FranceConnect.',
  connexion: 'La connexion a expiré ou a été interrompue. Recommencez.',
};

export function mesWeb(options: MesWebOptions): (mes: MonEspaceSante) => MesWebHandler {
  const fc = new FranceConnectLogin(options.franceconnect);
  const site = new WebSite<PatientSession>({
    cookies: { session: 'mes_session', login: 'mes_connexion' },
    secure: options.secureCookies ?? true,
    // Forms go to us and, through the logout's redirect, to FranceConnect.
    formOrigins: [new URL(options.franceconnect.issuer).origin],
  });
  const log = options.logger.child({ service: 'mes-web' });

  return (mes) => {
    // Both answer the request and say so (a route returns what they return).
    const send = site.send.bind(site);
    const redirect = site.redirect.bind(site);
    const base = (req: IncomingMessage) => site.base(req);
    const viewer = (s: PatientSession): Viewer => ({ displayName: s.displayName, csrf: s.csrf });
    const trusted = (req: IncomingMessage, s: PatientSession, token: string | null | undefined) => site.trusted(req, s, token);

    const refusal = (res: ServerResponse, s: PatientSession, err: MesError, back: { href: string; label: string }): true => {
      const status = err.code === 'no-such-message' ? 404 : err.code === 'not-allowed' ? 403 : err.code === 'too-large' ? 413 : 400;
      return send(res, status, problemPage('Message non envoyé', err.message, viewer(s), back));
    };

    const routes = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
      const method = req.method ?? 'GET';
      const path = url.pathname;

      if (path === '/' && method === 'GET') {
        if (site.session(req)) return redirect(res, '/messagerie');
        const code = url.searchParams.get('erreur');
        const error = code ? (ERRORS[code] ?? url.searchParams.get('raison') ?? undefined) : undefined;
        send(res, 200, homePage(error ? { error } : {}));
        return true;
      }

      if (path === '/connexion' && method === 'GET') return site.startLogin(req, res, fc, '/connexion/retour', {});

      if (path === '/connexion/retour' && method === 'GET') {
        const { pending, clear } = site.takeLogin(req);
        const error = url.searchParams.get('error');
        if (error) {
          const reason = loginFailure(error, url.searchParams.get('error_description') ?? '');
          log.info({ error }, 'mes-web: FranceConnect login not completed');
          send(res, 200, homePage({ error: reason }), { 'set-cookie': clear });
          return true;
        }
        if (!pending) return redirect(res, '/?erreur=connexion', { 'set-cookie': clear });
        let result: Awaited<ReturnType<FranceConnectLogin['identity']>>;
        try {
          result = await fc.identity(new URL(`${base(req)}${req.url ?? ''}`), pending);
        } catch (err) {
          log.warn({ err }, 'mes-web: FranceConnect callback refused');
          send(res, 400, homePage({ error: 'La réponse de FranceConnect n’a pas pu être vérifiée. Recommencez la connexion.' }), {
            'set-cookie': clear,
          });
          return true;
        }
        const { identity } = result;
        const patient = await mes.findPatient({
          familyName: identity.familyName,
          birthdate: identity.birthdate,
          givenName: identity.givenName,
          ...(identity.gender ? { gender: identity.gender } : {}),
          ...(identity.birthplace ? { birthplace: identity.birthplace } : {}),
        });
        if (!patient) {
          send(res, 403, homePage({ error: 'Aucun profil Mon Espace Santé ne correspond à l’identité transmise par FranceConnect.' }), {
            'set-cookie': clear,
          });
          return true;
        }
        if (!patient.active) {
          send(res, 403, homePage({ error: 'Votre profil Mon Espace Santé est fermé : sa messagerie n’est plus disponible.' }), {
            'set-cookie': clear,
          });
          return true;
        }
        site.logIn(res, { ins: patient.ins, displayName: patient.displayName }, result.idToken, '/messagerie', clear);
        log.info({ ins: patient.ins }, 'mes-web: patient logged in with FranceConnect');
        return true;
      }

      if (path === '/deconnexion/fin' && method === 'GET') {
        send(res, 200, loggedOutPage());
        return true;
      }

      if (!path.startsWith('/messagerie') && path !== '/deconnexion') return false;
      const s = site.sessionOrAnswer(req, res, () => homePage({ error: ERRORS.session as string }));
      if (!s) return true;

      if (path === '/deconnexion' && method === 'POST') {
        const form = await readUrlEncoded(req);
        if (!trusted(req, s, form.get('_csrf'))) return forbidden(res, s);
        return site.logOut(res, s, await fc.logoutUrl(s.idToken, `${base(req)}/deconnexion/fin`), '/deconnexion/fin');
      }

      if (path === '/messagerie' && method === 'GET') {
        const notice = url.searchParams.get('envoye') ? 'Votre message a été envoyé.' : undefined;
        send(res, 200, conversationsPage(viewer(s), await mes.listConversations(s.ins), notice));
        return true;
      }

      if (path === '/messagerie/conversation' && method === 'GET') {
        const professional = (url.searchParams.get('avec') ?? '').trim().toLowerCase();
        const conversations = await mes.listConversations(s.ins);
        const c = conversations.find((x) => x.professional === professional);
        const decision = await mes.canWrite(s.ins, professional);
        const notice = url.searchParams.get('envoye') ? 'Votre message a été envoyé.' : undefined;
        send(
          res,
          200,
          conversationPage(
            viewer(s),
            { professional, professionalName: c?.professionalName ?? null, state: c?.state },
            await mes.messages(s.ins, professional),
            decision,
            mes.maxAttachmentBytes,
            notice,
          ),
        );
        return true;
      }

      if (path === '/messagerie/nouveau' && method === 'GET') {
        const to = url.searchParams.get('a') ?? undefined;
        send(res, 200, newMessagePage(viewer(s), await mes.listConversations(s.ins), mes.maxAttachmentBytes, to ? { to } : {}));
        return true;
      }

      const one = /^\/messagerie\/message\/(\d{1,15})(?:\/(accuse-de-lecture)|\/piece\/([\d.]{1,40}))?$/.exec(path);
      if (one) {
        const id = Number(one[1]);
        try {
          if (one[3] !== undefined && method === 'GET') {
            const a = await mes.attachment(s.ins, id, one[3]);
            const name = (a.filename ?? `piece-${one[3]}`).replace(/[\r\n"\\]/g, '_');
            res.writeHead(200, {
              // Never rendered by the browser in our origin: downloaded, whatever its type says.
              'content-type': 'application/octet-stream',
              'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
              'content-length': String(a.content.length),
              'x-content-type-options': 'nosniff',
              'cache-control': 'no-store',
              'content-security-policy': "default-src 'none'; sandbox",
            });
            res.end(a.content);
            return true;
          }
          if (one[2] !== undefined && method === 'POST') {
            const form = await readUrlEncoded(req);
            if (!trusted(req, s, form.get('_csrf'))) return forbidden(res, s);
            await mes.sendMdn(s.ins, id);
            return redirect(res, `/messagerie/message/${id}?accuse=envoye`);
          }
          if (one[2] === undefined && one[3] === undefined && method === 'GET') {
            const read = await mes.markRead(s.ins, id);
            const m = await mes.message(s.ins, id);
            const professional = (m.direction === 'in' ? m.from.address : (m.to[0] ?? '')).toLowerCase();
            const decision = await mes.canWrite(s.ins, professional);
            const notice = url.searchParams.get('accuse') ? 'Accusé de lecture envoyé.' : undefined;
            send(
              res,
              200,
              messagePage(viewer(s), m, professional, decision, mes.maxAttachmentBytes, {
                mdnPrompt: read.mdnRequested && m.mdnRequested,
                ...(notice ? { notice } : {}),
              }),
            );
            return true;
          }
        } catch (err) {
          if (err instanceof MesError) {
            const status = err.code === 'no-such-message' ? 404 : 400;
            send(
              res,
              status,
              problemPage('Message introuvable', err.message, viewer(s), { href: '/messagerie', label: 'Mes conversations' }),
            );
            return true;
          }
          throw err;
        }
      }

      if (path === '/messagerie/envoyer' && method === 'POST') {
        let form: Awaited<ReturnType<typeof readMultipart>>;
        try {
          form = await readMultipart(req, mes.maxAttachmentBytes);
        } catch (err) {
          if (err instanceof FormTooLarge) {
            send(
              res,
              413,
              problemPage(
                'Message non envoyé',
                `Les pièces jointes dépassent la taille autorisée : ${mib(mes.maxAttachmentBytes)} au plus pour l’ensemble des pièces d’un message. Votre message n’a pas été envoyé.`,
                viewer(s),
                { href: '/messagerie', label: 'Mes conversations' },
              ),
              { connection: 'close' },
            );
            return true;
          }
          throw err;
        }
        if (!trusted(req, s, form.fields.get('_csrf'))) return forbidden(res, s);
        const to = (form.fields.get('a') ?? '').trim();
        const replyTo = form.fields.get('en_reponse_a');
        const back = to
          ? { href: conversationHref(to.toLowerCase()), label: 'Revenir à la conversation' }
          : { href: '/messagerie', label: 'Mes conversations' };
        try {
          await mes.send(s.ins, {
            to,
            subject: form.fields.get('objet') ?? '',
            body: form.fields.get('texte') ?? '',
            attachments: form.files,
            readReceipt: form.fields.get('accuse') === '1',
            ...(replyTo && /^\d{1,15}$/.test(replyTo) ? { inReplyTo: Number(replyTo) } : {}),
          });
        } catch (err) {
          if (err instanceof MesError) return refusal(res, s, err, back);
          throw err;
        }
        return redirect(res, `${conversationHref(to.toLowerCase())}&envoye=1`);
      }
      return false;
    };

    const forbidden = (res: ServerResponse, s: PatientSession): true =>
      send(
        res,
        403,
        problemPage('Action refusée', 'Ce formulaire a expiré ou ne vient pas de Mon Espace Santé. Rechargez la page.', viewer(s)),
      );

    return async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://mes.invalid');
      try {
        return await routes(req, res, url);
      } catch (err) {
        if (err instanceof ProviderUnavailable) {
          log.error({ err }, 'mes-web: FranceConnect unreachable');
          send(res, 503, homePage({ error: 'FranceConnect est momentanément indisponible. Réessayez dans quelques instants.' }));
          return true;
        }
        throw err;
      }
    };
  };
}
