// The part of oidc-provider's configuration the national OIDC stand-ins (Pro Santé Connect,
// FranceConnect) share, and the guard of their login pages: each keeps in its own provider only
// what makes it look like its national service (scopes, claims, lifetimes, CIBA, pairwise subs).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionDetails, JsonObject, KoaContextWithOIDC } from 'oidc-provider';
import { MemoryAdapter, type MemoryStorage } from './adapter.ts';
import { implicitConsent, interactionClientId } from './clients.ts';
import type { PrivateJwk } from './keys.ts';

/** The pages the provider itself renders, in the stand-in's look and words. */
export interface ProviderPages {
  error(error: string, description: string): string;
  /** `form` is the provider's own hidden form (it carries the anti-forgery token). */
  logout(form: string): string;
  logoutSuccess(): string;
}

export interface StandInProviderOptions {
  storage: MemoryStorage;
  keys: readonly PrivateJwk[];
  /** oidc-provider's client metadata, already made from the stand-in's own client settings. */
  clients: readonly JsonObject[];
  cookieKeys: readonly string[];
  /** The path of the stand-in's login pages; an interaction's page is `<path>/<uid>`. */
  interactionPath: string;
  pages: ProviderPages;
}

const SIGNED_LAX_COOKIE = { httpOnly: true, sameSite: 'lax', signed: true } as const;

/**
 * The configuration both stand-ins start from: artefacts in their own memory, their persisted
 * keys, signed lax cookies, the authorization code flow with PKCE only, no CORS, first-party
 * clients whose consent is implied, their own error and logout pages, and RP-initiated logout.
 * A stand-in spreads it and adds or overrides its own keys (`features` merged by the caller).
 */
export function standInProviderConfig(o: StandInProviderOptions) {
  const html = (ctx: KoaContextWithOIDC, body: string): void => {
    ctx.type = 'html';
    ctx.body = body;
  };
  return {
    adapter: (name: string) => new MemoryAdapter(name, o.storage),
    jwks: { keys: [...o.keys] },
    clients: [...o.clients],
    cookies: { keys: [...o.cookieKeys], long: SIGNED_LAX_COOKIE, short: SIGNED_LAX_COOKIE },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${o.interactionPath}/${interaction.uid}` },
    loadExistingGrant: implicitConsent,
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, string>) =>
      html(ctx, o.pages.error(out.error ?? 'error', out.error_description ?? '')),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => html(ctx, o.pages.logout(form)),
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => html(ctx, o.pages.logoutSuccess()),
      },
    },
  };
}

/**
 * The interaction a login page's URL names, when it is the one this browser's cookie holds;
 * otherwise the page answers 400 "Session expirée" (`show(status, title, message)` in the
 * stand-in's look), with `relaunch` saying where to start again, and undefined is returned. An
 * interaction that ended or never was, and one begun in another browser, are told apart: the
 * second is what a user who pasted a login link elsewhere meets.
 */
export async function currentInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  relaunch: string,
  show: (status: number, title: string, message: string) => void,
): Promise<InteractionDetails | undefined> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    show(400, 'Session expirée', `Cette demande de connexion a expiré ou n'existe pas. ${relaunch}`);
    return undefined;
  }
  if (details.uid !== uid) {
    show(400, 'Session expirée', `Cette demande de connexion ne correspond pas à votre navigateur. ${relaunch}`);
    return undefined;
  }
  return details;
}

/** A request to one of a stand-in's login pages, once `currentInteraction` has let it through. */
export interface InteractionRequest {
  uid: string;
  /** The page's step (`<basePath>/<uid>/<step>`), undefined for the page itself. */
  step: string | undefined;
  /** `<basePath>/<uid>`: where the page's forms post their steps. */
  self: string;
  details: InteractionDetails;
  clientId: string;
}

/**
 * Routes `<basePath>/<uid>[/<step>]` to a stand-in's login pages: undefined when the path is not
 * one of them; `'answered'` when the interaction is not this browser's current one (answered by
 * `currentInteraction`'s "Session expirée"); else the interaction and the step asked for.
 */
export async function interactionRequest(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  pages: { basePath: string; steps: readonly string[]; relaunch: string; show: (status: number, title: string, message: string) => void },
): Promise<InteractionRequest | 'answered' | undefined> {
  const m = new RegExp(`^${pages.basePath}/([\\w-]+)(?:/(${pages.steps.join('|')}))?$`).exec(pathname);
  if (!m) return undefined;
  const uid = m[1] as string;
  const details = await currentInteraction(provider, req, res, uid, pages.relaunch, pages.show);
  if (!details) return 'answered';
  return { uid, step: m[2], self: `${pages.basePath}/${uid}`, details, clientId: interactionClientId(details) };
}
