// The login page of the structure's identity provider: the staff member's identifier and
// password, then back to the provider, which issues the code.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { currentInteraction, escapeHtml } from '@mss/oidc-kit';

const FORM_LIMIT = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  });
  res.end(
    `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
  );
}

export interface InteractionDeps {
  provider: Provider;
  structureName: string;
  check(localId: string, password: string): boolean;
}

/** Serves `/interaction/<uid>` (the form) and `/interaction/<uid>/login` (its POST). False when the path is not ours. */
export async function handleInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: InteractionDeps,
): Promise<boolean> {
  const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(pathname);
  if (!m) return false;
  const details = await currentInteraction(deps.provider, req, res, m[1]!, 'Relancez-la depuis votre logiciel.', (status, title, text) =>
    page(res, status, title, `<p>${escapeHtml(text)}</p>`),
  );
  if (!details) return true;
  const form = (error?: string) =>
    page(
      res,
      error ? 401 : 200,
      deps.structureName,
      `<h1>${escapeHtml(deps.structureName)}</h1><p>Connexion du personnel de l'établissement</p>` +
        (error ? `<p role="alert">${escapeHtml(error)}</p>` : '') +
        `<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">` +
        '<label>Identifiant <input name="username" autocomplete="username" required></label> ' +
        '<label>Mot de passe <input name="password" type="password" autocomplete="current-password" required></label> ' +
        '<button type="submit">Se connecter</button></form>',
    );
  if (details.prompt.name === 'consent') {
    // The structure's own software: what it asks is granted, no consent page.
    const accountId = details.session?.accountId;
    if (!accountId) throw new Error('consent prompt without a logged-in account');
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
    const grant =
      (details.grantId ? await deps.provider.Grant.find(details.grantId) : undefined) ?? new deps.provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await deps.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return true;
  }
  if (!m[2]) {
    form();
    return true;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return true;
  }
  const body = await readForm(req);
  const username = body?.get('username') ?? '';
  const password = body?.get('password') ?? '';
  if (!deps.check(username, password)) {
    form('Identifiant ou mot de passe incorrect.');
    return true;
  }
  await deps.provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
  return true;
}
