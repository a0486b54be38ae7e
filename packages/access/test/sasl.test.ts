import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  SaslError,
  type SaslErrorCode,
  encodeOauthbearer,
  encodeXoauth2,
  isOauthbearerAbort,
  oauthbearerErrorChallenge,
  parseOauthbearer,
  parseXoauth2,
  xoauth2ErrorChallenge,
} from '../src/index.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const A = '\x01';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function refused(fn: () => unknown, code: SaslErrorCode, secret?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SaslError, `expected SaslError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (secret) assert.ok(!err.message.includes(secret), 'message quotes the token');
    return true;
  });
}

describe('XOAUTH2', () => {
  test("Google's documented example, byte for byte", () => {
    // From Google's XOAUTH2 protocol page, computed there independently of this code.
    const wire = 'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==';
    assert.deepEqual(parseXoauth2(wire), { user: 'someuser@example.com', token: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg' });
    assert.equal(encodeXoauth2('someuser@example.com', 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg'), wire);
  });

  test('an MSSanté mailbox and a JWT', () => {
    const user = 'jean.dupont@medecin.operateur-a.mssante.fr';
    const bytes = Buffer.concat([Buffer.from(`user=${user}`), Buffer.from([1]), Buffer.from(`auth=Bearer ${TOKEN}`), Buffer.from([1, 1])]);
    assert.equal(encodeXoauth2(user, TOKEN), bytes.toString('base64'));
    assert.deepEqual(parseXoauth2(bytes.toString('base64')), { user, token: TOKEN });
  });

  test('variants real clients send', () => {
    const ok = { user: 'a@b.fr', token: TOKEN };
    for (const msg of [
      `user=a@b.fr${A}auth=Bearer ${TOKEN}${A}`, // final ^A missing
      `user=a@b.fr${A}auth=Bearer ${TOKEN}`, // both missing
      `user=a@b.fr${A}auth=bearer ${TOKEN}${A}${A}`,
      `user=a@b.fr${A}auth=BEARER  ${TOKEN}${A}${A}`, // two spaces
      `auth=Bearer ${TOKEN}${A}user=a@b.fr${A}${A}`, // order
      `user=a@b.fr${A}host=imap.example${A}auth=Bearer ${TOKEN}${A}${A}`, // extra field
      `USER=a@b.fr${A}Auth=Bearer ${TOKEN}${A}${A}`,
    ]) {
      assert.deepEqual(parseXoauth2(b64(msg)), ok, JSON.stringify(msg));
    }
    // Unpadded base64 and the line terminator a parser may leave.
    const padded = b64(`user=a@b.fr${A}auth=Bearer ${TOKEN}${A}${A}`);
    assert.deepEqual(parseXoauth2(padded.replace(/=+$/, '')), ok);
    assert.deepEqual(parseXoauth2(`${padded}\r\n`), ok);
  });

  test('garbage is refused with a stable code, never quoting the token', () => {
    refused(() => parseXoauth2('not base64!'), 'malformed-base64');
    refused(() => parseXoauth2('dXNlcj1=YQ=='), 'malformed-base64');
    refused(() => parseXoauth2('A'), 'malformed-base64');
    refused(() => parseXoauth2('dXNlcj1hQGIuZnIB='), 'malformed-base64');
    refused(() => parseXoauth2(''), 'malformed-message');
    refused(() => parseXoauth2(b64(`${A}${A}`)), 'malformed-message');
    refused(() => parseXoauth2(Buffer.from([0xff, 0xfe, 0x01]).toString('base64')), 'malformed-message');
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}${A}auth=Bearer ${TOKEN}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=Bearer ${TOKEN}${A}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}garbage${A}auth=Bearer ${TOKEN}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`user=a${A}user=b${A}auth=Bearer ${TOKEN}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=Bearer ${TOKEN}${A}auth=Bearer x${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`user=a\nb${A}auth=Bearer ${TOKEN}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=Bearer ${TOKEN} trailing${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseXoauth2(b64(`auth=Bearer ${TOKEN}${A}${A}`)), 'missing-user', TOKEN);
    refused(() => parseXoauth2(b64(`user=${A}auth=Bearer ${TOKEN}${A}${A}`)), 'missing-user', TOKEN);
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}${A}`)), 'missing-token');
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=${A}${A}`)), 'missing-token');
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=Bearer${A}${A}`)), 'missing-token');
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=Bearer ${A}${A}`)), 'missing-token');
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=Basic ${TOKEN}${A}${A}`)), 'bad-scheme', TOKEN);
    refused(() => parseXoauth2(b64(`user=a@b.fr${A}auth=${TOKEN}${A}${A}`)), 'bad-scheme', TOKEN);
    refused(() => parseXoauth2('QUFB'.repeat(20_000)), 'malformed-message');
    // @ts-expect-error: callers in plain JS
    refused(() => parseXoauth2(undefined), 'malformed-base64');
  });

  test('encode refuses what parse would refuse', () => {
    refused(() => encodeXoauth2('', TOKEN), 'missing-user');
    refused(() => encodeXoauth2(`a${A}b`, TOKEN), 'malformed-message');
    refused(() => encodeXoauth2('a@b.fr', ''), 'missing-token');
    refused(() => encodeXoauth2('a@b.fr', 'two words'), 'malformed-message');
  });

  test('the error challenge operators and Gmail send', () => {
    const expected = b64('{"status":"401","schemes":"bearer","scope":"mail"}');
    assert.equal(expected, 'eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=');
    assert.equal(xoauth2ErrorChallenge(), expected);
    assert.equal(
      Buffer.from(xoauth2ErrorChallenge({ status: '400', schemes: 'bearer mac', scope: 'https://mail.google.com/' }), 'base64').toString(),
      '{"status":"400","schemes":"bearer mac","scope":"https://mail.google.com/"}',
    );
  });
});

describe('OAUTHBEARER (RFC 7628)', () => {
  test('the RFC 7628 §4.1 example, byte for byte', () => {
    const wire =
      'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB';
    const creds = { user: 'user@example.com', token: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', host: 'server.example.com', port: 143 };
    assert.deepEqual(parseOauthbearer(wire), creds);
    assert.equal(encodeOauthbearer(creds), wire);
  });

  test('hand-built byte strings: no authzid, y flag, escaped authzid, extra keys', () => {
    const bytes = (...parts: (string | number)[]) =>
      Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'utf8')))).toString('base64');
    assert.deepEqual(parseOauthbearer(bytes('n,,', 1, `auth=Bearer ${TOKEN}`, 1, 1)), { token: TOKEN });
    assert.deepEqual(parseOauthbearer(bytes('y,a=x@y.fr,', 1, `auth=bearer ${TOKEN}`, 1, 1)), { user: 'x@y.fr', token: TOKEN });
    assert.deepEqual(parseOauthbearer(bytes('n,a=a=2Cb=3Dc@d.fr,', 1, `auth=Bearer ${TOKEN}`, 1, 1)), { user: 'a,b=c@d.fr', token: TOKEN });
    assert.equal(encodeOauthbearer({ user: 'a,b=c@d.fr', token: TOKEN }), bytes('n,a=a=2Cb=3Dc@d.fr,', 1, `auth=Bearer ${TOKEN}`, 1, 1));
    assert.deepEqual(parseOauthbearer(bytes('n,a=é@ñ.fr,', 1, 'mfa=otp', 1, `auth=Bearer ${TOKEN}`, 1, 1)), {
      user: 'é@ñ.fr',
      token: TOKEN,
    });
    // Final ^A missing.
    assert.deepEqual(parseOauthbearer(bytes('n,,', 1, `auth=Bearer ${TOKEN}`, 1)), { token: TOKEN });
  });

  test('refusals', () => {
    const m = (s: string) => b64(s);
    const auth = `auth=Bearer ${TOKEN}`;
    refused(() => parseOauthbearer(m(`p=tls-unique,,${A}${auth}${A}${A}`)), 'unsupported-channel-binding', TOKEN);
    refused(() => parseOauthbearer(m(`x,,${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`F,n,,${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,a=user${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,a=,${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,a=a=2Xb,${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,a=u,x${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}${auth}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}host=h${A}${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}host=é${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}port=0${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}port=70000${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}port=1x${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}${auth}${A}${auth}${A}${A}`)), 'malformed-message', TOKEN);
    refused(() => parseOauthbearer(m(`n,,${A}host=h${A}${A}`)), 'missing-token');
    refused(() => parseOauthbearer(m(`n,,${A}${A}`)), 'missing-token');
    refused(() => parseOauthbearer(m(`n,,${A}auth=Basic ${TOKEN}${A}${A}`)), 'bad-scheme', TOKEN);
    refused(() => parseOauthbearer(m(A)), 'malformed-message');
    refused(() => parseOauthbearer(''), 'malformed-message');
    refused(() => parseOauthbearer('%%%'), 'malformed-base64');
  });

  test('the error challenge (RFC 7628 §3.2.2) and the client abort', () => {
    const decoded = (s: string) => Buffer.from(s, 'base64').toString();
    assert.equal(decoded(oauthbearerErrorChallenge({ status: 'invalid_token' })), '{"status":"invalid_token"}');
    assert.equal(
      decoded(
        oauthbearerErrorChallenge({
          status: 'invalid_token',
          scope: 'openid',
          openidConfiguration: 'http://127.0.0.1:8081/auth/realms/esante-wallet/.well-known/openid-configuration',
        }),
      ),
      '{"status":"invalid_token","scope":"openid","openid-configuration":"http://127.0.0.1:8081/auth/realms/esante-wallet/.well-known/openid-configuration"}',
    );
    assert.equal(b64(A), 'AQ==');
    assert.equal(isOauthbearerAbort('AQ=='), true);
    assert.equal(isOauthbearerAbort('AQ==\r\n'), true);
    assert.equal(isOauthbearerAbort('AQ'), true);
    for (const other of ['', '*', 'AA==', 'AQE=', b64(`n,,${A}auth=Bearer x${A}${A}`), 'AR=='])
      assert.equal(isOauthbearerAbort(other), false, other);
    // @ts-expect-error: callers in plain JS
    assert.equal(isOauthbearerAbort(null), false);
  });
});

// Allowed alphabets: a mailbox-like user without control characters (and, for XOAUTH2, none of
// the ^A separator); a token from RFC 6750's b64token.
const userArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => !/[\x00-\x1f\x7f]/.test(s));
const tokenArb = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,200}$/), fc.integer({ min: 0, max: 2 }))
  .map(([t, pad]) => t + '='.repeat(pad));
const hostArb = fc.stringMatching(/^[\x21-\x7e]{1,40}$/);

function onlySaslErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SaslError)) throw err;
  }
}

describe('SASL properties', () => {
  test('XOAUTH2 encode → parse round trip', () => {
    fc.assert(
      fc.property(userArb, tokenArb, (user, token) => {
        assert.deepEqual(parseXoauth2(encodeXoauth2(user, token)), { user, token });
      }),
      { numRuns: 1000 },
    );
  });

  test('OAUTHBEARER encode → parse round trip', () => {
    fc.assert(
      fc.property(
        fc.record({ user: userArb, token: tokenArb, host: hostArb, port: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: ['token'] }),
        (creds) => {
          assert.deepEqual(parseOauthbearer(encodeOauthbearer(creds)), { ...creds });
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('arbitrary strings and bytes never throw anything but SaslError', () => {
    const inputs = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.base64String(),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
      // Near-misses: valid messages with one byte replaced.
      fc.tuple(userArb, tokenArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([u, t, pos, byte, oauth]) => {
        const bytes = Buffer.from(oauth ? encodeOauthbearer({ user: u, token: t }) : encodeXoauth2(u, t), 'base64');
        bytes[pos % bytes.length] = byte;
        return bytes.toString('base64');
      }),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        onlySaslErrors(() => parseXoauth2(input));
        onlySaslErrors(() => parseOauthbearer(input));
        assert.equal(typeof isOauthbearerAbort(input), 'boolean');
      }),
      { numRuns: 3000 },
    );
  });

  test('a parsed token is always a b64token and a parsed user never holds control characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const parse of [parseXoauth2, parseOauthbearer]) {
          try {
            const r = parse(Buffer.from(bytes).toString('base64'));
            assert.match(r.token, /^[A-Za-z0-9\-._~+/]+=*$/);
            if (r.user !== undefined) assert.doesNotMatch(r.user, /[\x00-\x1f\x7f]/);
          } catch (err) {
            if (!(err instanceof SaslError)) throw err;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
