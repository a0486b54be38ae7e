// Structure-local identities (issue #20 rule 6): the operator trusts, besides Pro Santé Connect,
// one identity provider per FINESS structure named in its configuration. A token is checked
// against its own issuer's keys, audience and expiry (R-AUTH-1); the structure it binds to comes
// from the configuration, never from the token; an issuer nobody configured is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeFiness } from '@mss/domain';
import {
  TokenConfigError,
  TokenError,
  concerns,
  createTrustedIssuers,
  principalOf,
  type RevocationEvent,
  type TokenErrorCode,
} from '../src/index.ts';
import { IDNAT, type Idp, type SigningKey, makeKey, pscClaims, sign, startIdp } from './support/idp.ts';

const FINESS = makeFiness('93000001');
const FINESS2 = makeFiness('75000002');
let psc: Idp;
let ch: Idp;
let other: Idp;
let pscKey: SigningKey;
let chKey: SigningKey;
let otherKey: SigningKey;

before(async () => {
  [psc, ch, other] = await Promise.all([startIdp(), startIdp(), startIdp()]);
  [pscKey, chKey, otherKey] = await Promise.all([makeKey('psc'), makeKey('ch'), makeKey('other')]);
  psc.keys = [pscKey.jwk];
  ch.keys = [chKey.jwk];
  other.keys = [otherKey.jwk];
});
after(async () => Promise.all([psc.close(), ch.close(), other.close()]));

const trusted = () => createTrustedIssuers({ psc: { issuer: psc.issuer }, structures: [{ finess: FINESS, issuer: ch.issuer }] });

/** A structure IdP's access token: its staff member's own identifier in `sub`. */
function staffClaims(issuer: string, sub = 'jdupont', nowSec = Math.floor(Date.now() / 1000)) {
  return { iss: issuer, sub, aud: 'mss-operator', azp: 'lps-hopital', iat: nowSec, exp: nowSec + 600, scope: 'openid' };
}

async function refused(p: Promise<unknown>, code: TokenErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TokenError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe('trusted issuers: PSC and structures', () => {
  test("a structure's token names its staff member as 3 + FINESS + / + sub, bound to the configured structure", async () => {
    const t = await trusted().validate(await sign(chKey, staffClaims(ch.issuer)));
    assert.equal(t.idnat, `3${FINESS}/jdupont`);
    assert.deepEqual(t.structure, { finess: FINESS, issuer: ch.issuer });
    assert.equal(t.clientId, 'lps-hopital');
    assert.deepEqual(principalOf(t), { kind: 'local-person', idnat: `3${FINESS}/jdupont`, finess: FINESS, issuer: ch.issuer });
  });

  test('a PSC token is still a person, even when the structures are configured', async () => {
    const t = await trusted().validate(await sign(pscKey, pscClaims(psc.issuer)));
    assert.equal(t.idnat, IDNAT);
    assert.equal(t.structure, undefined);
    assert.deepEqual(principalOf(t), { kind: 'person', idnat: IDNAT });
  });

  test('R-AUTH-1: forged (another key), expired, for another audience, or with a subject that is no local id: refused', async () => {
    const v = trusted();
    await refused(v.validate(await sign(otherKey, staffClaims(ch.issuer))), 'unknown-kid');
    // Signed by PSC's key but claiming the structure's issuer: the structure's keys are the only ones tried.
    await refused(v.validate(await sign({ ...pscKey, kid: 'ch' }, staffClaims(ch.issuer))), 'bad-signature');
    const old = Math.floor(Date.now() / 1000) - 7200;
    await refused(v.validate(await sign(chKey, staffClaims(ch.issuer, 'jdupont', old))), 'expired');
    await refused(v.validate(await sign(chKey, { ...staffClaims(ch.issuer), aud: 'another-service' })), 'wrong-audience');
    await refused(v.validate(await sign(chKey, staffClaims(ch.issuer, 'a/b'))), 'bad-idnat');
    await refused(v.validate(await sign(chKey, staffClaims(ch.issuer, 'x'.repeat(21)))), 'bad-idnat');
    const { sub: _sub, ...noSub } = staffClaims(ch.issuer);
    await refused(v.validate(await sign(chKey, noSub)), 'missing-claim');
  });

  test('a structure cannot vouch for national identities: its SubjectNameID is ignored, sub is the local id', async () => {
    const t = await trusted().validate(await sign(chKey, { ...staffClaims(ch.issuer), SubjectNameID: IDNAT, preferred_username: IDNAT }));
    assert.equal(t.idnat, `3${FINESS}/jdupont`);
  });

  test('an issuer the operator did not configure is refused, even with a well-formed token from a working IdP', async () => {
    await refused(trusted().validate(await sign(otherKey, staffClaims(other.issuer))), 'wrong-issuer');
  });

  test('the subject claim and audience are configurable per structure', async () => {
    const v = createTrustedIssuers({
      psc: { issuer: psc.issuer },
      structures: [{ finess: FINESS, issuer: ch.issuer, subjectClaim: 'preferred_username', audience: ['mss-a'] }],
    });
    const t = await v.validate(await sign(chKey, { ...staffClaims(ch.issuer, 'uuid-like'), preferred_username: 'mleroy', aud: 'mss-a' }));
    assert.equal(t.idnat, `3${FINESS}/mleroy`);
  });

  test('configurations that would make one issuer speak for two structures, or PSC for a structure, are refused', () => {
    const base = { psc: { issuer: psc.issuer } };
    assert.throws(() => createTrustedIssuers({ ...base, structures: [{ finess: FINESS, issuer: psc.issuer }] }), TokenConfigError);
    assert.throws(
      () =>
        createTrustedIssuers({
          ...base,
          structures: [
            { finess: FINESS, issuer: ch.issuer },
            { finess: FINESS2, issuer: ch.issuer },
          ],
        }),
      /two structures/,
    );
    assert.throws(
      () =>
        createTrustedIssuers({
          ...base,
          structures: [
            { finess: FINESS, issuer: ch.issuer },
            { finess: FINESS, issuer: other.issuer },
          ],
        }),
      /two issuers/,
    );
    assert.throws(() => createTrustedIssuers({ ...base, structures: [{ finess: '123', issuer: ch.issuer }] }), /not a FINESS/);
  });
});

describe('R-AUTH-4: which revocations concern a structure-local session', () => {
  const session = {
    idnat: `3${FINESS}/jdupont`,
    mailboxId: 7,
    principal: { kind: 'local-person', idnat: `3${FINESS}/jdupont`, finess: FINESS, issuer: 'x' },
  };
  const cases: [RevocationEvent, boolean][] = [
    [{ kind: 'local-person-removed', mailboxId: 7, idnat: `3${FINESS}/jdupont` }, true],
    [{ kind: 'local-person-removed', mailboxId: 8, idnat: `3${FINESS}/jdupont` }, false],
    [{ kind: 'local-person-removed', mailboxId: 7, idnat: `3${FINESS}/other` }, false],
    [{ kind: 'ownership-transferred', mailboxId: 7, from: `1${FINESS}`, to: `1${FINESS2}` }, true],
    [{ kind: 'mailbox-status-changed', mailboxId: 7, status: 'suspended' }, true],
    [{ kind: 'cgu-published', version: 'v2' }, true],
    [{ kind: 'delegation-ended', mailboxId: 7, idnat: `3${FINESS}/jdupont`, reason: 'x' }, false],
    [{ kind: 'holder-removed', mailboxId: 7, idnat: `3${FINESS}/jdupont`, role: 'cotitulaire' }, false],
    [{ kind: 'certificate-revoked', serial: 'AB' }, false],
  ];
  for (const [event, expected] of cases) {
    test(`${event.kind} ${JSON.stringify(event).slice(0, 60)} → ${expected}`, () => assert.equal(concerns(event, session), expected));
  }
  test('a PSC person is not concerned by the removal of a local declaration under the same IdNat', () => {
    const e: RevocationEvent = { kind: 'local-person-removed', mailboxId: 7, idnat: `3${FINESS}/jdupont` };
    assert.equal(concerns(e, { idnat: `3${FINESS}/jdupont`, mailboxId: 7 }), false);
  });
});
