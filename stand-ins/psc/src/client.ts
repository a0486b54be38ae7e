// A small CIBA client for the CLI (`mss psc token|approve|deny`) and for other packages'
// tests: ask the stand-in for a token for an IdNat, optionally approving the request on the
// simulated e-CPS at once. It speaks plain HTTP so that it works against any running sandbox.

import { MssError } from '@mss/runtime';
import { REALM_PATH } from './provider.ts';

export interface CibaTokenOptions {
  pscUrl: string;
  idnat: string;
  clientId?: string;
  clientSecret?: string;
  /** Approve through the e-CPS simulator right away (default true). */
  autoApprove?: boolean;
  bindingMessage?: string;
}

export interface CibaTokens {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  expires_in: number;
  scope?: string;
}

export const SANDBOX_LPS_CLIENT = { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' } as const;

function base(pscUrl: string): string {
  return pscUrl.replace(/\/+$/, '');
}

async function call(url: string, init: RequestInit, pscUrl: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw new MssError(
      'PSC_UNREACHABLE',
      `cannot reach Pro Santé Connect at ${pscUrl} (${(err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : String(err))})`,
      { cause: err },
    );
  }
}

async function jsonOf(res: Response): Promise<Record<string, unknown>> {
  try {
    const v: unknown = await res.json();
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function oauthError(body: Record<string, unknown>, status: number): MssError {
  const error = typeof body.error === 'string' ? body.error : `http_${status}`;
  const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
  switch (error) {
    case 'unknown_user_id':
      return new MssError('PSC_UNKNOWN_USER', `Pro Santé Connect does not know this IdNat as a health professional${description}`);
    case 'access_denied':
      return new MssError('PSC_DENIED', 'the request was refused on the e-CPS');
    case 'expired_token':
      return new MssError('PSC_EXPIRED', 'the request expired before it was approved on the e-CPS');
    case 'invalid_client':
      return new MssError('PSC_CLIENT_REFUSED', `Pro Santé Connect refused the client credentials${description}`);
    default:
      return new MssError('PSC_ERROR', `Pro Santé Connect answered ${error}${description}`);
  }
}

async function decide(pscUrl: string, authReqId: string, decision: 'approve' | 'deny'): Promise<void> {
  const res = await call(`${base(pscUrl)}/ecps/requests/${encodeURIComponent(authReqId)}/${decision}`, { method: 'POST' }, pscUrl);
  if (res.status === 204) return;
  const body = await jsonOf(res);
  if (res.status === 404) {
    throw new MssError('PSC_REQUEST_NOT_FOUND', `no pending e-CPS request ${authReqId} (unknown, expired or already decided)`);
  }
  throw new MssError('PSC_ERROR', `the e-CPS simulator answered ${res.status}${typeof body.detail === 'string' ? `: ${body.detail}` : ''}`);
}

export async function approveRequest(pscUrl: string, authReqId: string): Promise<void> {
  await decide(pscUrl, authReqId, 'approve');
}

export async function denyRequest(pscUrl: string, authReqId: string): Promise<void> {
  await decide(pscUrl, authReqId, 'deny');
}

/**
 * Runs a CIBA flow in poll mode (OpenID CIBA Core §7, §10) with client_secret_basic, as the
 * ANS reference proxy does: `openid scope_all`, `acr_values=eidas1`, the IdNat as login_hint.
 */
export async function cibaToken(opts: CibaTokenOptions): Promise<CibaTokens> {
  const clientId = opts.clientId ?? SANDBOX_LPS_CLIENT.clientId;
  const clientSecret = opts.clientSecret ?? (opts.clientId === undefined ? SANDBOX_LPS_CLIENT.clientSecret : '');
  const issuer = `${base(opts.pscUrl)}${REALM_PATH}`;
  const discovery = await call(`${issuer}/.well-known/openid-configuration`, {}, opts.pscUrl);
  if (!discovery.ok) throw new MssError('PSC_ERROR', `Pro Santé Connect discovery failed with HTTP ${discovery.status} at ${issuer}`);
  const meta = await jsonOf(discovery);
  const cibaEndpoint = meta.backchannel_authentication_endpoint;
  const tokenEndpoint = meta.token_endpoint;
  if (typeof cibaEndpoint !== 'string' || typeof tokenEndpoint !== 'string') {
    throw new MssError('PSC_ERROR', `the provider at ${issuer} does not offer CIBA`);
  }
  const auth = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });

  const ackRes = await call(
    cibaEndpoint,
    form({
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      login_hint: opts.idnat,
      ...(opts.bindingMessage === undefined ? {} : { binding_message: opts.bindingMessage }),
    }),
    opts.pscUrl,
  );
  const ack = await jsonOf(ackRes);
  if (!ackRes.ok || typeof ack.auth_req_id !== 'string') throw oauthError(ack, ackRes.status);
  const authReqId = ack.auth_req_id;
  let interval = typeof ack.interval === 'number' ? ack.interval : 5;
  const deadline = Date.now() + (typeof ack.expires_in === 'number' ? ack.expires_in : 120) * 1000;

  if (opts.autoApprove !== false) await approveRequest(opts.pscUrl, authReqId);
  else await sleep(interval * 1000);

  for (;;) {
    const res = await call(tokenEndpoint, form({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId }), opts.pscUrl);
    const body = await jsonOf(res);
    if (res.ok && typeof body.access_token === 'string') {
      return {
        access_token: body.access_token,
        ...(typeof body.id_token === 'string' ? { id_token: body.id_token } : {}),
        ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
        expires_in: typeof body.expires_in === 'number' ? body.expires_in : 0,
        ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
      };
    }
    if (body.error === 'slow_down') interval += 5;
    else if (body.error !== 'authorization_pending') throw oauthError(body, res.status);
    if (Date.now() + interval * 1000 > deadline + 1000) throw oauthError({ error: 'expired_token' }, 400);
    await sleep(interval * 1000);
  }
}
