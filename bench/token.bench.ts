/**
 * Token validation benchmark: `@mss/access`'s validator against a peer measured in the same run
 * — jose's jwtVerify of the same RS256 token with a local key set and the same issuer, audience
 * and algorithm checks, which is what a service would write with the usual library. Ours fetches
 * its keys from a local JWKS server (discovery included) and runs with that cache warm; it also
 * checks the IdNat. One validation at a time, awaited: one core.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createTokenValidator } from '@mss/access';
import { makeRpps } from '@mss/domain';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_MS = 300;
const REALM = '/auth/realms/esante-wallet';

async function rate(fn: () => Promise<unknown>, ms: number): Promise<{ n: number; seconds: number; cpu: number }> {
  let n = 0;
  // CPU time too: WebCrypto (the peer) verifies on libuv's thread pool, so wall time alone would
  // hide work done off the main thread.
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return { n, seconds: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

export async function runTokenBench(): Promise<string[]> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'RS256', use: 'sig' }] };
  let base = '';
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === `${REALM}/.well-known/openid-configuration`) {
      res.end(JSON.stringify({ issuer: `${base}${REALM}`, jwks_uri: `${base}${REALM}/certs` }));
    } else if (req.url === `${REALM}/certs`) {
      res.end(JSON.stringify(jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}${REALM}`;
  try {
    const idnat = `8${makeRpps('1000123456')}`;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ azp: 'lps-bench', scope: 'openid', SubjectNameID: idnat, preferred_username: idnat })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench-1', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(['mss-operator', 'account'])
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti('bench')
      .sign(privateKey);

    const local = createLocalJWKSet(jwks);
    const peer = () => jwtVerify(token, local, { issuer, audience: 'mss-operator', algorithms: ['RS256'] });
    const validator = createTokenValidator({ issuer });
    const ours = () => validator.validate(token);
    if ((await validator.validate(token)).idnat !== idnat) throw new Error('token bench: validator returned another IdNat');
    await peer();

    process.stderr.write(`token bench: RS256, ${SECONDS} s each, one validation at a time\n`);
    await rate(peer, WARMUP_MS);
    const p = await rate(peer, SECONDS * 1000);
    process.stderr.write(`  peer (jose jwtVerify, local key set): ${Math.round(p.n / p.seconds)}/s, ${p.cpu.toFixed(2)} CPU-s\n`);
    await rate(ours, WARMUP_MS);
    const o = await rate(ours, SECONDS * 1000);
    process.stderr.write(`  mss access validate (warm JWKS cache): ${Math.round(o.n / o.seconds)}/s, ${o.cpu.toFixed(2)} CPU-s\n`);
    if (validator.jwksStats().fetches !== 1) throw new Error('token bench: the JWKS cache was not warm');

    const peerRate = p.n / p.seconds;
    const ourRate = o.n / o.seconds;
    return [
      ['token', 'kind', 'validations', 'seconds', 'per_s', 'ratio_vs_peer'].join('\t'),
      ['token', 'peer-jose-jwtVerify', p.n, p.seconds.toFixed(2), Math.round(peerRate), '1.00'].join('\t'),
      ['token', 'mss-access-validate', o.n, o.seconds.toFixed(2), Math.round(ourRate), (ourRate / peerRate).toFixed(2)].join('\t'),
    ];
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
