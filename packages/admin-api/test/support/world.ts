import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { makeFiness, makeRpps } from '@mss/domain';
import { AccessControl, createTokenValidator } from '@mss/access';
import { Governance, type GovernanceOptions } from '@mss/governance';
import { silentLogger } from '@mss/runtime';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { buildAdminApi } from '../../src/index.ts';

export const DOMAIN = 'operateur-a.mssante.fr';
export const ADMIN_PASSWORD = 'test-admin-password';
export const idnat = (n: number) => `8${makeRpps(String(1_000_000_000 + n))}`;
export const STRUCT = `1${makeFiness('93000001')}`;
export const STRUCT2 = `1${makeFiness('93000002')}`;

/**
 * A running admin API on a real socket, over a fresh store, with its own small token issuer
 * (a key pair and a JWKS endpoint) so that tests can act as any person.
 */
export interface World {
  base: string;
  store: Store;
  gov: Governance;
  access: AccessControl;
  tokenFor(idnat: string, opts?: { expiresIn?: string }): Promise<string>;
  call(method: string, path: string, as: string | 'admin' | null, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startWorld(options: { limits?: GovernanceOptions['limits']; now?: () => Date } = {}): Promise<World> {
  const { store, cleanup } = await openTestStore(options.now ? { now: options.now } : {});
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const idp = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url?.endsWith('/openid-configuration') ? { issuer, jwks_uri: `${issuer}/certs` } : { keys: [jwk] }));
  });
  idp.keepAliveTimeout = 1;
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/auth/realms/esante-wallet`;
  const access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const gov = new Governance({ store, access, operatorDomains: [DOMAIN], ...(options.limits ? { limits: options.limits } : {}) });
  const app = await buildAdminApi({
    store,
    logger: silentLogger(),
    operatorDomain: DOMAIN,
    governance: gov,
    access,
    tokenValidator: createTokenValidator({ issuer, jwksUri: `${issuer}/certs` }),
    adminPassword: ADMIN_PASSWORD,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const tokenFor = (who: string, opts: { expiresIn?: string } = {}) =>
    new SignJWT({ SubjectNameID: who, preferred_username: who, azp: 'test-client', scope: 'openid scope_all' })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('mss-operator')
      .setSubject(`f:test:${who}`)
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '10m')
      .sign(privateKey);
  return {
    base,
    store,
    gov,
    access,
    tokenFor,
    async call(method, path, as, body) {
      const headers: Record<string, string> = {};
      if (as === 'admin') headers.authorization = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
      else if (as) headers.authorization = `Bearer ${await tokenFor(as)}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (HTML pages)
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await app.close();
      await new Promise<void>((r) => idp.close(() => r()));
      await cleanup();
    },
  };
}

export function ps(n: number, last: string, kind: 'PS' | 'SECRETARY' = 'PS') {
  const id = idnat(n);
  return {
    idnat: id,
    kind,
    id_type: 'RPPS' as const,
    rpps: id.slice(1),
    civility: 'MME',
    last_name: last,
    first_name: 'Test',
    profession_code: kind === 'PS' ? '60' : null,
    profession_label: kind === 'PS' ? 'Infirmier' : 'Secrétaire médical',
    category_code: 'C',
    speciality_code: null,
    speciality_label: null,
  };
}

export const mbox = (address: string) => `/api/v1/mailboxes/${encodeURIComponent(address)}`;
