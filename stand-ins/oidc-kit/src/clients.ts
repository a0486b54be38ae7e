// What the stand-ins' clients have in common: first-party applications on this machine, whose
// loopback redirects follow the sandbox's --port-base, and whose consent is implied.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { GrantInstance, InteractionDetails, KoaContextWithOIDC } from 'oidc-provider';

export function isLoopbackHttp(uri: string): boolean {
  const u = URL.parse(uri);
  return u !== null && u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost');
}

/**
 * RFC 8252 §7.3: a "native" client's loopback redirect matches on any port, which is what lets
 * one configured redirect follow the sandbox's --port-base.
 */
export function applicationTypeFor(redirectUris: readonly string[]): 'native' | 'web' {
  return redirectUris.length > 0 && redirectUris.every(isLoopbackHttp) ? 'native' : 'web';
}

/**
 * First-party clients: whatever they request is granted, so no consent page is ever shown by the
 * provider. The grant is created or widened here (oidc-provider's `loadExistingGrant`), where the
 * provider looks for an existing grant.
 */
export async function implicitConsent(ctx: KoaContextWithOIDC): Promise<GrantInstance | undefined> {
  const oidc = ctx.oidc;
  const accountId = oidc?.session.accountId;
  if (!oidc?.client || !accountId) return undefined;
  const { Grant } = oidc.provider;
  const existingId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
  let grant = existingId ? await Grant.find(existingId) : undefined;
  if (!grant || grant.accountId !== accountId) grant = new Grant({ accountId, clientId: oidc.client.clientId });
  const oidcScopes = [...oidc.requestParamOIDCScopes];
  if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [resource, server] of Object.entries(oidc.resourceServers)) {
    const scopes = [...oidc.requestParamScopes].filter((s) => server.scopes.has(s));
    if (scopes.length) grant.addResourceScope(resource, scopes.join(' '));
  }
  await grant.save();
  return grant;
}

/** The client of an interaction, as its authorization request named it. */
export function interactionClientId(details: InteractionDetails): string {
  return typeof details.params.client_id === 'string' ? details.params.client_id : '';
}

/**
 * Answers a consent prompt (e.g. `prompt=consent`) without a page: the grant is widened to what
 * is missing and the interaction finished, as for the first-party clients of `implicitConsent`.
 */
export async function finishWithImpliedConsent(
  provider: Provider,
  details: InteractionDetails,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const accountId = details.session?.accountId;
  if (!accountId) throw new Error('consent prompt without a logged-in account');
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: interactionClientId(details) });
  const d = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (d.missingOIDCScope?.length) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims?.length) grant.addOIDCClaims(d.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
