// A stand-in for Pro Santé Connect's key publication, on a real socket: discovery document and
// JWKS, swappable keys, request counters, and a switch to make it fail.

import nodeCrypto, { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { makeRpps } from '@mss/domain';

export const REALM_PATH = '/auth/realms/esante-wallet';
/** A valid RPPS-based IdNat (8 + RPPS with its Luhn digit). */
export const IDNAT = `8${makeRpps('1000123456')}`;

export interface Idp {
  issuer: string;
  jwksUri: string;
  requests: { discovery: number; jwks: number };
  /** Published keys; replace to rotate. */
  keys: JWK[];
  /** When set, every request gets this HTTP status with no body. */
  failWith: number | undefined;
  /** Overrides the discovery document's `issuer` (to test the mismatch check). */
  discoveryIssuer: string | undefined;
  close(): Promise<void>;
}

export async function startIdp(): Promise<Idp> {
  const state = {
    requests: { discovery: 0, jwks: 0 },
    keys: [] as JWK[],
    failWith: undefined as number | undefined,
    discoveryIssuer: undefined as string | undefined,
  };
  let base = '';
  const server = http.createServer((req, res) => {
    const send = (status: number, body?: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.url === `${REALM_PATH}/.well-known/openid-configuration`) {
      state.requests.discovery++;
      if (state.failWith) return send(state.failWith);
      return send(200, {
        issuer: state.discoveryIssuer ?? `${base}${REALM_PATH}`,
        jwks_uri: `${base}${REALM_PATH}/protocol/openid-connect/certs`,
      });
    }
    if (req.url === `${REALM_PATH}/protocol/openid-connect/certs`) {
      state.requests.jwks++;
      if (state.failWith) return send(state.failWith);
      return send(200, { keys: state.keys });
    }
    send(404, { error: 'not found' });
  });
  // Keep-alive would hold the test process open after close().
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: Idp = {
    issuer: `${base}${REALM_PATH}`,
    jwksUri: `${base}${REALM_PATH}/protocol/openid-connect/certs`,
    get requests() {
      return state.requests;
    },
    get keys() {
      return state.keys;
    },
    set keys(k: JWK[]) {
      state.keys = k;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(v: number | undefined) {
      state.failWith = v;
    },
    get discoveryIssuer() {
      return state.discoveryIssuer;
    },
    set discoveryIssuer(v: string | undefined) {
      state.discoveryIssuer = v;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return idp;
}

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** Claims shaped like a PSC access token (Keycloak), valid for an hour from `nowSec`. */
export function pscClaims(issuer: string, nowSec = Math.floor(Date.now() / 1000)): JWTPayload {
  return {
    iss: issuer,
    aud: ['mss-operator', 'account'],
    azp: 'lps-demo',
    typ: 'Bearer',
    iat: nowSec,
    exp: nowSec + 3600,
    jti: 'jti-1',
    scope: 'openid scope_all',
    SubjectNameID: IDNAT,
    preferred_username: IDNAT,
  };
}

export async function sign(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

export function b64urlJson(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/**
 * Signs header and payload exactly as given, with node:crypto (RSA PKCS#1 v1.5 + SHA-256), for
 * tokens jose refuses to produce (critical extensions, weak keys).
 */
export function signRs256Raw(privateKey: CryptoKey | KeyObject, header: unknown, payload: unknown): string {
  const key = privateKey instanceof KeyObject ? privateKey : KeyObject.from(privateKey);
  const input = `${b64urlJson(header)}.${b64urlJson(payload)}`;
  return `${input}.${nodeCrypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
