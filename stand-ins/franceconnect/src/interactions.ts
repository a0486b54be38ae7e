// The simulated FranceConnect journey once /authorize has sent the citizen here: pick a test
// account on the simulated identity provider (or cancel, or have the identity provider refuse),
// see what will be transmitted to the service, continue. Cancelling and refusing go back to the
// service with `access_denied` and a description saying which (RFC 6749 §4.1.2.1: ASCII only).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from 'oidc-provider';
import type { Logger } from '@mss/runtime';
import { BodyTooLarge, finishWithImpliedConsent, interactionRequest, readForm, redirect, sendHtml } from '@mss/oidc-kit';
import type { CitizenDirectory } from './citizens.ts';
import { claimsForScopes } from './claims.ts';
import { confirmPage, loginPage, messagePage } from './pages.ts';
import { ACR_EIDAS1 } from './provider.ts';

/** What the service receives when the citizen gives up, and when the identity provider says no. */
export const CANCELLED_DESCRIPTION = 'the user cancelled the FranceConnect login';
export const REFUSED_DESCRIPTION = 'the identity provider refused the authentication';

/** How many accounts the simulated identity provider offers in one click. */
const LISTED_CITIZENS = 40;

export interface InteractionDeps {
  logger: Logger;
  provider: Provider;
  citizens: CitizenDirectory;
  /** client_id → the service's name as the citizen sees it. */
  serviceNames: ReadonlyMap<string, string>;
  /** e.g. /api/v2/interaction */
  basePath: string;
}

async function formField(req: IncomingMessage, name: string): Promise<string> {
  try {
    return (await readForm(req)).get(name) ?? '';
  } catch (err) {
    if (err instanceof BodyTooLarge) return '';
    throw err;
  }
}

function requestedScopes(details: InteractionDetails): string[] {
  return typeof details.params.scope === 'string' ? details.params.scope.split(' ') : [];
}

/** Serves `<basePath>/<uid>[/choose|/confirm|/refuse|/cancel]`; false when the path is not ours. */
export async function handleInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: InteractionDeps,
): Promise<boolean> {
  const { provider } = deps;
  const at = await interactionRequest(provider, req, res, pathname, {
    basePath: deps.basePath,
    steps: ['choose', 'confirm', 'refuse', 'cancel'],
    relaunch: 'Relancez la connexion depuis le service en ligne.',
    show: (status, title, text) => sendHtml(res, status, messagePage(title, text)),
  });
  if (at === undefined) return false;
  if (at === 'answered') return true;
  const { step, self, details, clientId } = at;
  const service = deps.serviceNames.get(clientId) ?? clientId;
  const method = req.method ?? 'GET';
  const login = async (status: number, error?: string) =>
    sendHtml(
      res,
      status,
      loginPage({
        service,
        chooseAction: `${self}/choose`,
        refuseAction: `${self}/refuse`,
        cancelAction: `${self}/cancel`,
        citizens: await deps.citizens.list(LISTED_CITIZENS),
        ...(error ? { error } : {}),
      }),
    );

  if (step === undefined) {
    if (method !== 'GET') {
      redirect(res, self);
      return true;
    }
    if (details.prompt.name === 'consent') await finishWithImpliedConsent(provider, details, req, res);
    else await login(200);
    return true;
  }
  if (method !== 'POST') {
    redirect(res, self);
    return true;
  }

  if (step === 'choose' || step === 'confirm') {
    const id = await formField(req, 'citizen');
    const citizen = id ? await deps.citizens.find(id) : undefined;
    if (!citizen) {
      await login(400, 'Ce compte de test est inconnu du fournisseur d’identité simulé. Choisissez un compte dans la liste.');
      return true;
    }
    if (step === 'choose') {
      const claims = claimsForScopes(requestedScopes(details));
      sendHtml(res, 200, confirmPage({ service, citizen, claims, confirmAction: `${self}/confirm`, cancelAction: `${self}/cancel` }));
      return true;
    }
    deps.logger.info({ clientId }, 'franceconnect: citizen logged in on the simulated identity provider');
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: citizen.id, acr: ACR_EIDAS1, amr: ['pwd'], ts: Math.floor(Date.now() / 1000) } },
      { mergeWithLastSubmission: false },
    );
    return true;
  }

  const description = step === 'refuse' ? REFUSED_DESCRIPTION : CANCELLED_DESCRIPTION;
  deps.logger.info({ clientId, step }, 'franceconnect: login not completed');
  await provider.interactionFinished(
    req,
    res,
    { error: 'access_denied', error_description: description },
    { mergeWithLastSubmission: false },
  );
  return true;
}
