import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger } from '@mss/runtime';
import { approveRequest, cibaToken, denyRequest, startPsc } from '../src/index.ts';
import { GP, PATIENT_INS, SECRETARY, sleep, startTestPsc, verifyAccessToken, type TestPsc } from './support.ts';

async function pendingIds(t: TestPsc, idnat: string): Promise<string[]> {
  const list = (await (await fetch(`${t.psc.url}/ecps/requests?idnat=${idnat}`)).json()) as { auth_req_id: string }[];
  return list.map((r) => r.auth_req_id);
}

/** Waits until the request shows up on the simulated phone. */
async function waitForPending(t: TestPsc, idnat: string): Promise<string> {
  for (const end = Date.now() + 15_000; Date.now() < end; ) {
    const [id] = await pendingIds(t, idnat);
    if (id) return id;
    await sleep(20);
  }
  throw new Error('no pending request');
}

describe('psc client helpers (mss psc token|approve|deny)', () => {
  let t: TestPsc;
  before(async () => {
    t = await startTestPsc();
  });
  after(async () => {
    await t.close();
  });

  test('cibaToken approves through the e-CPS simulator and returns a usable token', async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP, bindingMessage: 'CLI' });
    assert.equal(tokens.expires_in, 600);
    assert.equal(tokens.scope, 'openid scope_all');
    assert.ok(tokens.id_token);
    assert.ok(tokens.refresh_token);
    const { payload } = await verifyAccessToken(t.psc, tokens.access_token);
    assert.equal(payload.SubjectNameID, GP);
    assert.equal(payload.azp, 'mss-lps-sandbox');
    const info = await fetch(`${t.psc.issuer}/protocol/openid-connect/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(((await info.json()) as { SubjectNameID: string }).SubjectNameID, GP);
  });

  test('without autoApprove it waits for the phone: approved elsewhere', async () => {
    const pending = cibaToken({ pscUrl: t.psc.url, idnat: SECRETARY, autoApprove: false });
    await approveRequest(t.psc.url, await waitForPending(t, SECRETARY));
    const tokens = await pending;
    assert.equal((await verifyAccessToken(t.psc, tokens.access_token)).payload.SubjectNameID, SECRETARY);
  });

  test('without autoApprove it waits for the phone: denied elsewhere', async () => {
    const pending = cibaToken({ pscUrl: t.psc.url, idnat: SECRETARY, autoApprove: false });
    await denyRequest(t.psc.url, await waitForPending(t, SECRETARY));
    await assert.rejects(pending, { name: 'MssError', code: 'PSC_DENIED' });
  });

  test('an IdNat PSC does not know, or a patient, is an MssError', async () => {
    await assert.rejects(cibaToken({ pscUrl: t.psc.url, idnat: '810099999996' }), { name: 'MssError', code: 'PSC_UNKNOWN_USER' });
    await assert.rejects(cibaToken({ pscUrl: t.psc.url, idnat: PATIENT_INS }), { name: 'MssError', code: 'PSC_UNKNOWN_USER' });
  });

  test('wrong client credentials are an MssError', async () => {
    await assert.rejects(cibaToken({ pscUrl: t.psc.url, idnat: GP, clientId: 'mss-bench', clientSecret: 'nope' }), {
      name: 'MssError',
      code: 'PSC_CLIENT_REFUSED',
    });
  });

  test('approving an unknown request is an MssError', async () => {
    await assert.rejects(approveRequest(t.psc.url, 'unknown'), { name: 'MssError', code: 'PSC_REQUEST_NOT_FOUND' });
  });

  test('an unreachable PSC is an MssError', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(cibaToken({ pscUrl: `http://127.0.0.1:${port}`, idnat: GP }), { name: 'MssError', code: 'PSC_UNREACHABLE' });
  });
});

describe('psc listen errors', () => {
  test('a port in use gives the sandbox wording', async () => {
    const t = await startTestPsc();
    try {
      const port = Number(new URL(t.psc.url).port);
      await assert.rejects(startPsc({ store: t.store, logger: silentLogger(), host: '127.0.0.1', port, dataDir: t.dataDir }), {
        name: 'MssError',
        code: 'PORT_IN_USE',
        message: `port ${port} on 127.0.0.1 is already in use (psc); stop the other program or pick other ports with --port-base`,
      });
    } finally {
      await t.close();
    }
  });

  test('bad options are user-facing errors', async () => {
    const t = await startTestPsc();
    try {
      await assert.rejects(
        startPsc({ store: t.store, logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir: t.dataDir, accessTokenTtlSeconds: 0 }),
        {
          name: 'MssError',
          code: 'PSC_OPTION_INVALID',
        },
      );
    } finally {
      await t.close();
    }
  });
});
