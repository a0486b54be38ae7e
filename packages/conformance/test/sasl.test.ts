// The kit's reading of SASL responses: exactly the form the mechanisms define (XOAUTH2 as the API
// LPS names it, domain reference §5; OAUTHBEARER, RFC 7628 §3.1), with the token never shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeOauthbearer, judgeXoauth2 } from '@mss/conformance';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJTdWJqZWN0TmFtZUlEIjoiODEwMDAwMDAxMDU2IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2ln';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const USER = 'paul.martin@operateur-a.mssante.fr';

test('XOAUTH2 exactly formed: no problem, the token replaced, its SubjectNameID and expiry read', () => {
  const j = judgeXoauth2(b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`));
  assert.deepEqual(j.problems, []);
  assert.equal(j.user, USER);
  assert.equal(j.shown, `user=${USER}^Aauth=Bearer <PSC token>^A^A`);
  assert.equal(j.token?.idnat, '810000001056');
  assert.equal(j.token?.expiresAt, 4102444800000);
  assert.doesNotMatch(j.shown, /eyJ/);
});

test('XOAUTH2 mistakes are named: auth= without Bearer, one trailing ^A, lower-case bearer, a person instead of a mailbox', () => {
  assert.deepEqual(judgeXoauth2(b64(`user=${USER}\x01auth=${TOKEN}\x01\x01`)).problems, [
    'auth= is not "Bearer <token>" (found "<token> …")',
  ]);
  assert.deepEqual(judgeXoauth2(b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01`)).problems, ['does not end with exactly two ^A']);
  assert.deepEqual(judgeXoauth2(b64(`user=${USER}\x01auth=bearer ${TOKEN}\x01\x01`)).problems, [
    'auth= is not "Bearer <token>" (found "bearer …")',
  ]);
  assert.deepEqual(judgeXoauth2(b64(`user=810000001056\x01auth=Bearer ${TOKEN}\x01\x01`)).problems, [
    'user= is "810000001056", not a mailbox address',
  ]);
  assert.deepEqual(judgeXoauth2('not base64!').problems, ['the response is not base64']);
  assert.doesNotMatch(judgeXoauth2(b64(`user=${USER}\x01auth=${TOKEN}\x01\x01`)).shown, /eyJ/);
});

test('OAUTHBEARER: the GS2 header with the mailbox, host and port allowed, auth=Bearer required', () => {
  const good = judgeOauthbearer(b64(`n,a=${USER},\x01host=127.0.0.1\x01port=143\x01auth=Bearer ${TOKEN}\x01\x01`));
  assert.deepEqual(good.problems, []);
  assert.equal(good.user, USER);
  assert.deepEqual(judgeOauthbearer(b64(`n,,\x01auth=Bearer ${TOKEN}\x01\x01`)).problems, [
    'no authzid (a=<mailbox>): the operator needs the mailbox',
  ]);
  assert.deepEqual(judgeOauthbearer(b64(`n,a=${USER},\x01auth=${TOKEN}\x01\x01`)).problems, ['auth= is not "Bearer <token>"']);
});
