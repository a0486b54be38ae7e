import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as oidc from 'openid-client';
import { silentLogger } from '@mss/runtime';
import { cibaToken, startPsc } from '../src/index.ts';
import { GP, decodeJwt, jwksKids, lpsClient, sleep, startTestPsc, verifyAccessToken, type TestPsc } from './support.ts';

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString('utf8')) as { kid: string }).kid;
}

describe('psc signing keys: persistence', () => {
  let t: TestPsc;
  before(async () => {
    t = await startTestPsc();
  });
  after(async () => {
    await t.close();
  });

  test('keys.json is a private JWKS readable by its owner only', () => {
    const file = path.join(t.dataDir, 'psc', 'keys.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: Record<string, unknown>[] };
    assert.equal(doc.keys.length, 1);
    assert.equal(typeof doc.keys[0]?.d, 'string');
  });

  test('a restart keeps the key: tokens issued before it still verify', async () => {
    const before = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    const kids = await jwksKids(t.psc);
    await t.psc.stop();
    t.psc = await startPsc({ store: t.store, logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir: t.dataDir });
    assert.deepEqual(await jwksKids(t.psc), kids);
    // The issuer moved with the port, so check the signature with the new JWKS only.
    const jwks = (await (await fetch(`${t.psc.issuer}/protocol/openid-connect/certs`)).json()) as { keys: { kid: string }[] };
    assert.ok(jwks.keys.some((k) => k.kid === kidOf(before.access_token)));
  });

  test('a corrupt key file is a user-facing error', async () => {
    const dir = fs.mkdtempSync(path.join(path.dirname(t.dataDir), 'psc-bad-keys-'));
    fs.mkdirSync(path.join(dir, 'psc'));
    fs.writeFileSync(path.join(dir, 'psc', 'keys.json'), '{"keys":[]}');
    await assert.rejects(startPsc({ store: t.store, logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir: dir }), {
      name: 'MssError',
      code: 'PSC_KEYS_INVALID',
      message: /delete the file to generate new keys/,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('psc signing keys: rotation and retirement', () => {
  let t: TestPsc;
  before(async () => {
    t = await startTestPsc({ keyRetireAfterSeconds: 2 });
  });
  after(async () => {
    await t.close();
  });

  test('old tokens verify until retirement; new tokens carry the new kid; then the old kid is gone', async () => {
    const old = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    const oldKid = kidOf(old.access_token);
    const idTokenKid = kidOf(old.id_token as string);
    assert.equal(idTokenKid, oldKid);

    const rotatedAt = Date.now();
    const { kid: newKid } = await t.psc.rotateKeys();
    assert.notEqual(newKid, oldKid);
    assert.deepEqual((await jwksKids(t.psc)).sort(), [newKid, oldKid].sort());
    assert.equal((await verifyAccessToken(t.psc, old.access_token)).kid, oldKid);

    const fresh = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    assert.equal(kidOf(fresh.access_token), newKid);
    assert.equal(kidOf(fresh.id_token as string), newKid);
    assert.equal((await verifyAccessToken(t.psc, fresh.access_token)).payload.SubjectNameID, GP);

    // The provider was rebuilt: grants and sessions made before survive it.
    const client = await lpsClient(t.psc);
    const refreshed = await oidc.refreshTokenGrant(client, old.refresh_token as string);
    assert.equal(kidOf(refreshed.access_token), newKid);

    const file = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'psc', 'keys.json'), 'utf8')) as {
      keys: { kid: string }[];
      retireAt: Record<string, string>;
    };
    assert.deepEqual(
      file.keys.map((k) => k.kid),
      [newKid, oldKid],
    );
    assert.ok(file.retireAt[oldKid]);

    // Retirement runs on a timer: wait for it rather than guess how late a loaded machine is.
    let kids = await jwksKids(t.psc);
    while (kids.length > 1 && Date.now() - rotatedAt < 30_000) {
      await sleep(100);
      kids = await jwksKids(t.psc);
    }
    assert.deepEqual(kids, [newKid]);
    assert.ok(Date.now() - rotatedAt >= 2000, 'retired before keyRetireAfterSeconds');
    await assert.rejects(verifyAccessToken(t.psc, old.access_token));
    assert.equal(decodeJwt(fresh.access_token).SubjectNameID, GP);
    const after = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'psc', 'keys.json'), 'utf8')) as { keys: { kid: string }[] };
    assert.deepEqual(
      after.keys.map((k) => k.kid),
      [newKid],
    );
  });

  test('POST /admin/rotate-keys rotates (from loopback)', async () => {
    const before = await jwksKids(t.psc);
    const res = await fetch(`${t.psc.url}/admin/rotate-keys`, { method: 'POST' });
    assert.equal(res.status, 200);
    const { kid } = (await res.json()) as { kid: string };
    const kids = await jwksKids(t.psc);
    assert.equal(kids[0], kid);
    for (const k of before) assert.ok(kids.includes(k));
    const token = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    assert.equal(kidOf(token.access_token), kid);
  });
});
