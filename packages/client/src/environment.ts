// Where the services of a trust space are: a vendor fills this for the ANS's test or production
// platforms; `sandboxEnvironment` gives the one of a local `mss sandbox`.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Environment, loadConfig } from '@mss/runtime';

export interface MssEnvironment {
  /** Pro Santé Connect's issuer, e.g. `https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet`. */
  readonly pscIssuer: string;
  /** API LPS submission, `smtp://host:port` (STARTTLS on a plain connection). */
  readonly smtp: string;
  /** API LPS IMAP, `imap://host:port` (STARTTLS). */
  readonly imap: string;
  /** The Annuaire Santé's LDAP, e.g. `ldap://ldap.annuaire.mssante.fr:389`. */
  readonly ldap: string;
  /** Base DN of the mailboxes (default `ou=bal,o=mssante,c=fr`). */
  readonly ldapBase?: string;
  /** The Annuaire Santé FHIR API v2 base, e.g. `https://gateway.api.esante.gouv.fr/fhir/v2`. */
  readonly fhir: string;
  /** Sent as `ESANTE-API-KEY` on every FHIR call. */
  readonly fhirApiKey: string;
  /** The multi-mailbox resolver (R-ANN-4), where the directory offers one (the sandbox's `/resolve`). */
  readonly resolver?: string;
  /** The operator's governance API, to list the mailboxes a person may open (`GET /api/v1/mailboxes`). */
  readonly adminApi?: string;
  /** PEM of the CA that signs the operator's TLS certificates (IGC-Santé; the sandbox's test CA). */
  readonly ca?: string;
}

export interface SandboxLocation {
  /** The `--port-base` the sandbox was started with (default: MSS_PORT_BASE of the environment given, else the fixed ports). */
  readonly portBase?: number | string;
  /** The sandbox's data directory, where it writes `ca.pem` (default: MSS_DATA_DIR, else `.mss-data`). */
  readonly dataDir?: string;
  readonly host?: string;
}

export const SANDBOX_FHIR_API_KEY = 'mss-sandbox-esante-api-key';
export const PSC_REALM_PATH = '/auth/realms/esante-wallet';

/** The endpoints of a running `mss sandbox` (operator A), computed as the sandbox computes them. */
export function sandboxEnvironment(where: SandboxLocation = {}, env?: Environment): MssEnvironment {
  const config = loadConfig(
    {
      ...(where.portBase === undefined ? {} : { portBase: String(where.portBase) }),
      ...(where.host === undefined ? {} : { host: where.host }),
      ...(where.dataDir === undefined ? {} : { dataDir: where.dataDir }),
    },
    env,
  );
  const host = config.host;
  const p = config.ports;
  const dataDir = config.dataDir;
  let ca: string | undefined;
  try {
    ca = readFileSync(path.join(dataDir, 'ca.pem'), 'utf8');
  } catch {
    ca = undefined;
  }
  return {
    pscIssuer: `http://${host}:${p.psc}${PSC_REALM_PATH}`,
    smtp: `smtp://${host}:${p.smtpSubmission}`,
    imap: `imap://${host}:${p.imap}`,
    ldap: `ldap://${host}:${p.annuaireLdap}`,
    fhir: `http://${host}:${p.annuaireHttp}/fhir/v2`,
    fhirApiKey: SANDBOX_FHIR_API_KEY,
    resolver: `http://${host}:${p.annuaireHttp}/resolve`,
    adminApi: `http://${host}:${p.adminApi}`,
    ...(ca === undefined ? {} : { ca }),
  };
}

/** `smtp://h:p` → { host, port }. */
export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? defaultPort : Number(u.port) };
}

/**
 * The environment a program is told about: `MSS_ENVIRONMENT` (the JSON of an MssEnvironment, or
 * the path of a file holding it — what `mss conformance` hands the software it tests), else the
 * sandbox at `MSS_PORT_BASE` / `MSS_DATA_DIR`.
 */
export function environmentFromEnv(env: Environment): MssEnvironment {
  const given = env.MSS_ENVIRONMENT?.trim();
  if (given) {
    const text = given.startsWith('{') ? given : readFileSync(given, 'utf8');
    return JSON.parse(text) as MssEnvironment;
  }
  return sandboxEnvironment({}, env);
}

/**
 * The sandbox's simulated e-CPS approves a pending CIBA request, as the person would on their
 * phone. Only the sandbox has this door; against PSC, the person approves.
 */
export async function approveOnSandboxEcps(env: Pick<MssEnvironment, 'pscIssuer'>, authReqId: string): Promise<void> {
  const origin = new URL(env.pscIssuer).origin;
  const res = await fetch(`${origin}/ecps/requests/${encodeURIComponent(authReqId)}/approve`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`the sandbox e-CPS did not approve ${authReqId} (HTTP ${res.status})`);
}
