import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT, createLocalJWKSet, exportSPKI, jwtVerify } from 'jose';
import { makeRpps } from '@mss/domain';
import { TokenConfigError, TokenError, type TokenErrorCode, type TokenValidatorConfig, createTokenValidator } from '../src/index.ts';
import { IDNAT, type Idp, type SigningKey, b64urlJson, makeKey, pscClaims, sign, signRs256Raw, startIdp } from './support/idp.ts';

let idp: Idp;
let k1: SigningKey;
let k2: SigningKey;
let es: SigningKey;
let ps: SigningKey;

before(async () => {
  idp = await startIdp();
  [k1, k2, es, ps] = await Promise.all([makeKey('k1'), makeKey('k2'), makeKey('es1', 'ES256'), makeKey('ps1', 'PS256')]);
});
after(() => idp.close());

/** Fresh key publication and counters for each test: tests must not share a JWKS history. */
function publish(...keys: SigningKey[]): void {
  idp.keys = keys.map((k) => k.jwk);
  idp.requests.discovery = 0;
  idp.requests.jwks = 0;
  idp.failWith = undefined;
  idp.discoveryIssuer = undefined;
}

function validator(extra: Partial<TokenValidatorConfig> = {}) {
  return createTokenValidator({ issuer: idp.issuer, ...extra });
}

async function refused(p: Promise<unknown>, code: TokenErrorCode, token?: string): Promise<TokenError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TokenError, `expected TokenError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (token) {
      for (const part of token.split('.').filter((s) => s.length > 8)) assert.ok(!err.message.includes(part), 'message quotes the token');
    }
    return err;
  }
  assert.fail(`expected ${code}, but the token was accepted`);
}

describe('token validation: accepted tokens', () => {
  test('a PSC-shaped RS256 token gives the IdNat, client, dates and claims (discovery used once)', async () => {
    publish(k1);
    const v = validator();
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(k1, pscClaims(idp.issuer, now));
    const t = await v.validate(token);
    assert.equal(t.idnat, IDNAT);
    assert.equal(t.clientId, 'lps-demo');
    assert.equal(t.expiresAt.getTime(), (now + 3600) * 1000);
    assert.equal(t.issuedAt?.getTime(), now * 1000);
    assert.equal(t.jti, 'jti-1');
    assert.equal(t.scope, 'openid scope_all');
    assert.equal(t.claims.typ, 'Bearer');
    await v.validate(token);
    await v.validate(await sign(k1, pscClaims(idp.issuer)));
    assert.deepEqual(idp.requests, { discovery: 1, jwks: 1 });
    assert.equal(v.jwksStats().fetches, 1);
  });

  test('ES256 and PS256 tokens, a configured jwksUri (no discovery), client_id when azp is absent', async () => {
    publish(es, ps);
    const v = validator({ jwksUri: idp.jwksUri, authorizedParties: ['lps-b'] });
    const { azp: _azp, ...claims } = pscClaims(idp.issuer);
    assert.equal((await v.validate(await sign(es, { ...claims, client_id: 'lps-b' }))).clientId, 'lps-b');
    assert.equal((await v.validate(await sign(ps, { ...claims, client_id: 'lps-b' }))).clientId, 'lps-b');
    assert.deepEqual(idp.requests, { discovery: 0, jwks: 1 });
  });

  test('preferred_username is used when SubjectNameID is absent; ADELI and FINESS-staff IdNats are persons', async () => {
    publish(k1);
    const v = validator();
    const { SubjectNameID: _s, ...claims } = pscClaims(idp.issuer);
    const staff = '3010000024/SEC-42';
    assert.equal((await v.validate(await sign(k1, { ...claims, preferred_username: staff }))).idnat, staff);
    assert.equal((await v.validate(await sign(k1, { ...claims, preferred_username: '0751234561' }))).idnat, '0751234561');
  });

  test('a single audience string is accepted; audience and parties are configurable', async () => {
    publish(k1);
    const v = validator({ audience: ['other', 'mss-b'], authorizedParties: ['lps-demo'] });
    await v.validate(await sign(k1, { ...pscClaims(idp.issuer), aud: 'mss-b' }));
    await refused(v.validate(await sign(k1, pscClaims(idp.issuer))), 'wrong-audience');
  });
});

describe('token validation: attacks and mistakes', () => {
  test('alg "none" is refused before any key is fetched', async () => {
    publish(k1);
    const v = validator();
    const body = b64urlJson(pscClaims(idp.issuer));
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64urlJson({ alg, kid: 'k1', typ: 'JWT' })}.${body}.`;
      await refused(v.validate(token), 'alg-not-allowed', token);
    }
    await refused(v.validate(`${b64urlJson({ typ: 'JWT' })}.${body}.sig`), 'alg-not-allowed');
    assert.deepEqual(idp.requests, { discovery: 0, jwks: 0 });
  });

  test('HS256 signed with the public key bytes (key confusion) is refused before any key lookup', async () => {
    publish(k1);
    const v = validator();
    const pem = await exportSPKI(k1.publicKey);
    for (const secret of [pem, JSON.stringify(k1.jwk), String(k1.jwk.n)]) {
      const token = await new SignJWT(pscClaims(idp.issuer))
        .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' })
        .sign(new TextEncoder().encode(secret));
      await refused(v.validate(token), 'alg-not-allowed', token);
    }
    assert.deepEqual(idp.requests, { discovery: 0, jwks: 0 });
  });

  test('a configuration allowing none or HS* does not start', () => {
    for (const algorithms of [['RS256', 'none'], ['HS256'], ['hs512'], [], ['RS1']]) {
      assert.throws(() => validator({ algorithms }), TokenConfigError);
    }
    assert.throws(() => validator({ issuer: 'not a url' }), TokenConfigError);
    assert.throws(() => validator({ clockToleranceSeconds: -1 }), TokenConfigError);
  });

  test('an algorithm outside the allow-list is refused even when its key is published', async () => {
    publish(es);
    await refused(validator({ algorithms: ['RS256'] }).validate(await sign(es, pscClaims(idp.issuer))), 'alg-not-allowed');
  });

  test('expired; nbf in the future; iat in the future', async () => {
    publish(k1);
    const v = validator({ clockToleranceSeconds: 30 });
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(k1, { ...pscClaims(idp.issuer), exp: now - 120 });
    await refused(v.validate(expired), 'expired', expired);
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), nbf: now + 120 })), 'not-yet-valid');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), iat: now + 120 })), 'not-yet-valid');
    // Older Keycloak versions send nbf: 0.
    await v.validate(await sign(k1, { ...pscClaims(idp.issuer), nbf: 0 }));
  });

  test('clock skew: exp 10 s ago is accepted with tolerance 30, refused with tolerance 0', async () => {
    publish(k1);
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(k1, { ...pscClaims(idp.issuer), iat: now - 300, exp: now - 10 });
    await validator({ clockToleranceSeconds: 30 }).validate(token);
    await refused(validator({ clockToleranceSeconds: 0 }).validate(token), 'expired');
    // And the production case: the IdP's clock a few seconds ahead of ours.
    const ahead = await sign(k1, { ...pscClaims(idp.issuer, now + 5), nbf: now + 5 });
    await validator().validate(ahead);
    await refused(validator({ clockToleranceSeconds: 0 }).validate(ahead), 'not-yet-valid');
  });

  test('wrong issuer, wrong or missing audience, wrong authorized party', async () => {
    publish(k1);
    const v = validator({ authorizedParties: ['lps-demo'] });
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), iss: `${idp.issuer}-evil` })), 'wrong-issuer');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), iss: undefined })), 'wrong-issuer');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), aud: ['account'] })), 'wrong-audience');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), aud: undefined })), 'wrong-audience');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), azp: 'other-lps' })), 'wrong-party');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), azp: undefined })), 'wrong-party');
  });

  test('unknown kid', async () => {
    publish(k1);
    const v = validator();
    const token = await sign({ ...k1, kid: 'nope' }, pscClaims(idp.issuer));
    await refused(v.validate(token), 'unknown-kid', token);
  });

  test('tampered payload: same signature, upgraded identity', async () => {
    publish(k1);
    const v = validator();
    const token = await sign(k1, pscClaims(idp.issuer));
    const [h, , s] = token.split('.');
    const other = `8${makeRpps('1000999999')}`;
    const forged = `${h}.${b64urlJson({ ...pscClaims(idp.issuer), SubjectNameID: other, preferred_username: other })}.${s}`;
    await refused(v.validate(forged), 'bad-signature', forged);
  });

  test('a token from another key pair with the same kid', async () => {
    publish(k1);
    const impostor = await makeKey('k1');
    const token = await sign(impostor, pscClaims(idp.issuer));
    await refused(validator().validate(token), 'bad-signature', token);
  });

  test('embedded jwk / jku headers are not trusted', async () => {
    publish(k1);
    const attacker = await makeKey('k1');
    const token = await sign(attacker, pscClaims(idp.issuer), { jwk: attacker.jwk, jku: 'http://127.0.0.1:1/evil' });
    await refused(validator().validate(token), 'bad-signature');
  });

  test('missing SubjectNameID and preferred_username; a structure IdNat; a bad Luhn; missing exp', async () => {
    publish(k1);
    const v = validator();
    const { SubjectNameID: _s, preferred_username: _p, ...anonymous } = pscClaims(idp.issuer);
    await refused(v.validate(await sign(k1, anonymous)), 'missing-claim');
    for (const id of ['1930000013', '810001234560', 'alice', '']) {
      await refused(v.validate(await sign(k1, { ...anonymous, SubjectNameID: id })), 'bad-idnat');
    }
    await refused(v.validate(await sign(k1, { ...anonymous, SubjectNameID: 810001234567 })), 'bad-idnat');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), exp: undefined })), 'missing-claim');
  });

  test('structurally broken tokens are malformed', async () => {
    publish(k1);
    const v = validator();
    const good = await sign(k1, pscClaims(idp.issuer));
    const [h, p, s] = good.split('.') as [string, string, string];
    for (const bad of [
      '',
      'abc',
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      `${h}.${p}.${s}!`,
      `!!.${p}.${s}`,
      `${b64urlJson([1])}.${p}.${s}`,
      `${Buffer.from('{"alg":').toString('base64url')}.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.${s.slice(1)}`,
      'a'.repeat(20_000),
    ]) {
      await refused(v.validate(bad), 'malformed');
    }
    await refused(
      v.validate(signRs256Raw(k1.privateKey, { alg: 'RS256', kid: 'k1', crit: ['exp'], exp: 1 }, pscClaims(idp.issuer))),
      'malformed',
    );
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), exp: 1e20 })), 'malformed');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), nbf: 'yesterday' as unknown as number })), 'malformed');
    await refused(v.validate(await sign(k1, { ...pscClaims(idp.issuer), aud: [1] as unknown as string[] })), 'malformed');
    // @ts-expect-error: callers in plain JS
    await refused(v.validate(undefined), 'malformed');
  });

  test('non-canonical base64url in the signature (the same token spelled twice) is refused', async () => {
    publish(es);
    const token = await sign(es, pscClaims(idp.issuer));
    // ES256: 64 bytes = 86 chars, the last one carries 4 unused bits.
    const last = token.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    assert.deepEqual(Buffer.from(twin.split('.')[2] as string, 'base64url'), Buffer.from(token.split('.')[2] as string, 'base64url'));
    const v = validator();
    await v.validate(token);
    await refused(v.validate(twin), 'malformed');
  });
});

describe('token validation: the JWKS cache', () => {
  test('key rotation: the old key works while published, not after its removal', async () => {
    publish(k1);
    let clock = Date.now();
    const v = validator({ now: () => clock, jwksMaxAgeSeconds: 600, jwksCooldownSeconds: 30 });
    const old = await sign(k1, pscClaims(idp.issuer));
    await v.validate(old);
    // The IdP adds k2. Within the cooldown a k2 token is refused; after it, one refetch finds k2.
    publish(k1, k2);
    const fresh = await sign(k2, pscClaims(idp.issuer));
    await refused(v.validate(fresh), 'unknown-kid');
    assert.equal(idp.requests.jwks, 0);
    clock += 31_000;
    await v.validate(fresh);
    assert.equal(idp.requests.jwks, 1);
    await v.validate(old);
    // The IdP removes k1. Until our copy is older than jwksMaxAgeSeconds we cannot know …
    publish(k2);
    clock += 60_000;
    await v.validate(old);
    // … then the refetch drops k1.
    clock += 600_000;
    await refused(v.validate(old), 'unknown-kid', old);
    await v.validate(fresh);
    assert.equal(idp.requests.jwks, 1);
  });

  test('50 random kids cause at most one or two JWKS fetches within the cooldown (sequential and concurrent)', async () => {
    publish(k1);
    const v = validator();
    await v.validate(await sign(k1, pscClaims(idp.issuer)));
    const random = async () => sign({ ...k1, kid: crypto.randomUUID() }, pscClaims(idp.issuer));
    for (let i = 0; i < 50; i++) await refused(v.validate(await random()), 'unknown-kid');
    const tokens = await Promise.all(Array.from({ length: 50 }, random));
    await Promise.all(tokens.map((t) => refused(v.validate(t), 'unknown-kid')));
    assert.ok(idp.requests.jwks <= 2, `${idp.requests.jwks} JWKS fetches`);
    assert.equal(idp.requests.discovery, 1);

    // A cold validator hit by 50 concurrent random kids: one fetch, shared.
    publish(k1);
    const cold = validator();
    const burst = await Promise.all(Array.from({ length: 50 }, random));
    await Promise.all(burst.map((t) => refused(cold.validate(t), 'unknown-kid')));
    assert.equal(idp.requests.jwks, 1);
  });

  test('after the cooldown an unknown kid triggers exactly one more fetch', async () => {
    publish(k1);
    let clock = Date.now();
    const v = validator({ now: () => clock });
    const stranger = await sign({ ...k1, kid: 'stranger' }, pscClaims(idp.issuer));
    await refused(v.validate(stranger), 'unknown-kid');
    await refused(v.validate(stranger), 'unknown-kid');
    assert.equal(idp.requests.jwks, 1);
    clock += 30_000;
    await refused(v.validate(stranger), 'unknown-kid');
    await refused(v.validate(stranger), 'unknown-kid');
    assert.equal(idp.requests.jwks, 2);
  });

  test('JWKS server down: jwks-unavailable, and no hammering while it stays down', async () => {
    publish(k1);
    const token = await sign(k1, pscClaims(idp.issuer));
    // Nothing listens on the port of a server we started and closed.
    const gone = await startIdp();
    const deadIssuer = gone.issuer;
    await gone.close();
    await refused(createTokenValidator({ issuer: deadIssuer }).validate(token), 'jwks-unavailable', token);

    idp.failWith = 503;
    const v = validator({ jwksUri: idp.jwksUri });
    const err = await refused(v.validate(token), 'jwks-unavailable', token);
    assert.match(String((err.cause as Error).message), /HTTP 503/);
    await refused(v.validate(token), 'jwks-unavailable');
    assert.equal(idp.requests.jwks, 1);
    assert.deepEqual({ ...v.jwksStats(), fetchedAt: undefined }, { fetches: 1, failures: 1, keys: 0, fetchedAt: undefined });
  });

  test('the IdP comes back after the cooldown', async () => {
    publish(k1);
    let clock = Date.now();
    idp.failWith = 500;
    const v = validator({ now: () => clock });
    const token = await sign(k1, pscClaims(idp.issuer));
    await refused(v.validate(token), 'jwks-unavailable');
    idp.failWith = undefined;
    await refused(v.validate(token), 'jwks-unavailable');
    clock += 30_000;
    await v.validate(token);
  });

  test('stale-if-error: an old key set keeps working for a while when the IdP is down, then not', async () => {
    publish(k1);
    let clock = Date.now();
    const v = validator({ now: () => clock, jwksMaxAgeSeconds: 600, jwksStaleIfErrorSeconds: 3600 });
    const token = await sign(k1, { ...pscClaims(idp.issuer), exp: Math.floor(clock / 1000) + 86_400 });
    await v.validate(token);
    idp.failWith = 502;
    clock += 1_200_000;
    await v.validate(token);
    assert.equal(idp.requests.jwks, 2);
    clock += 3_600_000;
    await refused(v.validate(token), 'jwks-unavailable');
  });

  test('a discovery document for another issuer is not used', async () => {
    publish(k1);
    idp.discoveryIssuer = 'https://evil.example/realms/x';
    await refused(validator().validate(await sign(k1, pscClaims(idp.issuer))), 'jwks-unavailable');
    assert.equal(idp.requests.jwks, 0);
  });

  test('unusable published keys are skipped: oct, enc, small RSA, garbage', async () => {
    // A 1024-bit RSA key, published under its own kid.
    const { generateKeyPairSync } = await import('node:crypto');
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakJwk = { ...weak.publicKey.export({ format: 'jwk' }), kid: 'small', alg: 'RS256' };
    idp.keys = [
      { kty: 'oct', k: 'c2VjcmV0', kid: 'k1' },
      { ...k2.jwk, use: 'enc' },
      weakJwk,
      { kty: 'RSA', kid: 'junk', n: '!!', e: 'AQAB' },
      { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'bad-point' },
      'not an object' as never,
      k1.jwk,
    ];
    idp.requests.jwks = 0;
    const v = validator({ jwksUri: idp.jwksUri });
    await v.validate(await sign(k1, pscClaims(idp.issuer)));
    assert.equal(v.jwksStats().keys, 1);
    await refused(v.validate(await sign(k2, pscClaims(idp.issuer))), 'unknown-kid');
    const weakToken = signRs256Raw(weak.privateKey, { alg: 'RS256', kid: 'small' }, pscClaims(idp.issuer));
    await refused(v.validate(weakToken), 'unknown-kid');
  });

  test('a header without kid works when exactly one key fits', async () => {
    publish(k1, es);
    const v = validator();
    await v.validate(await sign({ ...k1, kid: undefined as unknown as string }, pscClaims(idp.issuer)));
    publish(k1, k2);
    await refused(validator().validate(await sign({ ...k1, kid: undefined as unknown as string }, pscClaims(idp.issuer))), 'unknown-kid');
  });
});

describe('token validation: properties', () => {
  test('never more lenient than jose: mutated tokens are refused by us whenever jose refuses them', async () => {
    publish(k1, es, ps);
    const v = validator();
    const local = createLocalJWKSet({ keys: [k1.jwk, es.jwk, ps.jwk] });
    const tokens = await Promise.all([k1, es, ps].map((k) => sign(k, pscClaims(idp.issuer))));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tokens),
        fc.nat(),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '),
        async (token, pos, ch) => {
          const i = pos % token.length;
          const mutated = token.slice(0, i) + ch + token.slice(i + 1);
          const ours = await v.validate(mutated).then(
            () => true,
            (err: unknown) => {
              assert.ok(err instanceof TokenError);
              return false;
            },
          );
          const theirs = await jwtVerify(mutated, local, {
            issuer: idp.issuer,
            audience: 'mss-operator',
            algorithms: ['RS256', 'PS256', 'ES256'],
          }).then(
            () => true,
            () => false,
          );
          if (ours) assert.ok(theirs, 'we accepted a token jose refuses');
          if (mutated === token) assert.ok(ours);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('arbitrary input only ever fails with TokenError', async () => {
    publish(k1);
    const v = validator();
    const good = await sign(k1, pscClaims(idp.issuer));
    const [h] = good.split('.') as [string];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((xs) => xs.join('.')),
          fc.tuple(fc.json(), fc.string()).map(([j, s]) => `${h}.${Buffer.from(j).toString('base64url')}.${s}`),
          fc
            .tuple(fc.json(), fc.json())
            .map(([a, b]) => `${Buffer.from(a).toString('base64url')}.${Buffer.from(b).toString('base64url')}.AAAA`),
        ),
        async (input) => {
          await assert.rejects(v.validate(input), (err: unknown) => err instanceof TokenError);
        },
      ),
      { numRuns: 500 },
    );
    assert.ok(idp.requests.jwks <= 1);
  });

  test('random valid claims round-trip through sign → validate', async () => {
    publish(k1);
    const v = validator();
    await fc.assert(
      fc.asyncProperty(
        fc.record({ jti: fc.string(), scope: fc.string(), extra: fc.dictionary(fc.string(), fc.jsonValue()) }),
        async ({ jti, scope, extra }) => {
          const token = await sign(k1, { ...extra, ...pscClaims(idp.issuer), jti, scope });
          const t = await v.validate(token);
          assert.equal(t.jti, jti);
          assert.equal(t.scope, scope);
          assert.equal(t.idnat, IDNAT);
        },
      ),
      { numRuns: 50 },
    );
  });
});
