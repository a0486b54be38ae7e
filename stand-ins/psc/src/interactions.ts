// The wallet's login, as the authorization-code flow meets it: the person types or picks an
// IdNat, then approves on their (simulated) e-CPS, and the provider resumes the authorization
// request. Consent is implied for the configured first-party clients, so a consent prompt is
// answered here without a page.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from 'oidc-provider';
import type { Logger } from '@mss/runtime';
import type { PscDirectory } from './accounts.ts';
import { checkLogin, loginPersonas, pscUser, subFor } from './accounts.ts';
import { BodyTooLarge, finishWithImpliedConsent, interactionRequest, readForm, redirect, sendHtml } from '@mss/oidc-kit';
import { ecpsPage, loginPage, messagePage } from './pages.ts';
import { ACR_EIDAS1 } from './provider.ts';

export interface InteractionDeps {
  directory: PscDirectory;
  logger: Logger;
  provider: () => Provider;
  /** Path of the login actions, e.g. /auth/realms/esante-wallet/login-actions. */
  basePath: string;
}

/** Between "this is me" and the e-CPS approval: interaction uid → chosen IdNat. */
export class PendingLogins {
  readonly #byUid = new Map<string, { idnat: string; until: number }>();

  set(uid: string, idnat: string, untilEpochSeconds: number): void {
    this.#byUid.set(uid, { idnat, until: untilEpochSeconds * 1000 });
  }

  take(uid: string): string | undefined {
    const v = this.#byUid.get(uid);
    this.#byUid.delete(uid);
    return v && v.until > Date.now() ? v.idnat : undefined;
  }

  peek(uid: string): string | undefined {
    const v = this.#byUid.get(uid);
    return v && v.until > Date.now() ? v.idnat : undefined;
  }

  sweep(): void {
    const now = Date.now();
    for (const [uid, v] of this.#byUid) if (v.until <= now) this.#byUid.delete(uid);
  }
}

/**
 * Serves `<basePath>/<uid>[/login|/approve|/deny]`. Returns false when the path is not ours.
 */
export async function handleInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: InteractionDeps,
  logins: PendingLogins,
): Promise<boolean> {
  const provider = deps.provider();
  const at = await interactionRequest(provider, req, res, pathname, {
    basePath: deps.basePath,
    steps: ['login', 'approve', 'deny'],
    relaunch: 'Relancez la connexion depuis votre application.',
    show: (status, title, text) => sendHtml(res, status, messagePage(title, text)),
  });
  if (at === undefined) return false;
  if (at === 'answered') return true;
  const { uid, step, self, details, clientId } = at;
  const method = req.method ?? 'GET';

  if (step === undefined && method === 'GET') {
    if (details.prompt.name === 'consent') {
      await finishWithImpliedConsent(provider, details, req, res);
      return true;
    }
    sendHtml(res, 200, loginPage({ action: `${self}/login`, clientId, personas: await loginPersonas(deps.directory) }));
    return true;
  }
  if (method !== 'POST') {
    redirect(res, self);
    return true;
  }

  if (step === 'login') {
    let idnat = '';
    try {
      idnat = (await readForm(req)).get('idnat') ?? '';
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
    }
    const checked = await checkLogin(deps.directory, idnat);
    if (!checked.ok) {
      sendHtml(
        res,
        400,
        loginPage({ action: `${self}/login`, clientId, personas: await loginPersonas(deps.directory), error: checked.reason, idnat }),
      );
      return true;
    }
    logins.set(uid, checked.person.idnat, details.exp);
    sendHtml(res, 200, ecpsPage({ approveAction: `${self}/approve`, denyAction: `${self}/deny`, person: checked.person, clientId }));
    return true;
  }

  if (step === 'approve') {
    const idnat = logins.take(uid);
    // The person may have been removed from the directory since they typed their IdNat.
    if (idnat === undefined || !(await pscUser(deps.directory, idnat))) {
      redirect(res, self);
      return true;
    }
    deps.logger.info({ idnat, clientId }, 'psc: login approved on the e-CPS simulator');
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: subFor(idnat), acr: ACR_EIDAS1, ts: Math.floor(Date.now() / 1000) } },
      { mergeWithLastSubmission: false },
    );
    return true;
  }

  logins.take(uid);
  await provider.interactionFinished(
    req,
    res,
    { error: 'access_denied', error_description: 'the person refused the login on their e-CPS' },
    { mergeWithLastSubmission: false },
  );
  return true;
}
