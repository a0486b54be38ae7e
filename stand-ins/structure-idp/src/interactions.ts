// The login page of the structure's identity provider: the staff member's identifier and
// password, then back to the provider, which issues the code.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { escapeHtml, finishWithImpliedConsent, interactionRequest } from '@mss/oidc-kit';

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
  const at = await interactionRequest(deps.provider, req, res, pathname, {
    basePath: '/interaction',
    steps: ['login'],
    relaunch: 'Relancez-la depuis votre logiciel.',
    show: (status, title, text) => page(res, status, title, `<p>${escapeHtml(text)}</p>`),
  });
  if (at === undefined) return false;
  if (at === 'answered') return true;
  const { step, details } = at;
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
    await finishWithImpliedConsent(deps.provider, details, req, res);
    return true;
  }
  if (step === undefined) {
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
