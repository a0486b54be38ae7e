// What a hostile or careless client can do to the server over a raw socket — malformed BER,
// hostile filters, pipelining, abandon, unbind, many connections, idling — and what stopping
// and a busy port look like.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { MssError, silentLogger } from '@mss/runtime';
import { type FilterNode, type LdapEntry, type LdapEntrySource, MemoryEntrySource, ResultCode, startLdapServer } from '../src/index.ts';
import { OpTag } from '../src/ldap/messages.ts';
import { BAL_BASE, generateEntries, startTestLdap, type TestLdap } from './support/ldap-fixtures.ts';
import { anonymousClient } from './support/ldapts-raw.ts';
import {
  abandonRequest,
  bindRequest,
  deleteRequest,
  extendedRequest,
  RawClient,
  saslBindRequest,
  searchRequest,
  unbindRequest,
  type WireResponse,
} from './support/ldap-wire.ts';

const NOTICE_OF_DISCONNECTION = '1.3.6.1.4.1.1466.20036';
const everything: FilterNode = { type: 'present', attribute: 'objectClass' };

function assertNotice(responses: WireResponse[], resultCode: number): void {
  const notice = responses.at(-1);
  assert.ok(notice && notice.kind === 'result', `expected a Notice of Disconnection, got ${JSON.stringify(responses)}`);
  assert.equal(notice.messageId, 0);
  assert.equal(notice.tag, OpTag.extendedResponse);
  assert.equal(notice.responseName, NOTICE_OF_DISCONNECTION);
  assert.equal(notice.resultCode, resultCode);
}

describe('raw protocol', () => {
  let ldap: TestLdap;
  before(async () => {
    ldap = await startTestLdap();
  });
  after(() => ldap.stop());

  async function stillServes(): Promise<void> {
    const client = anonymousClient(ldap.url);
    try {
      const { searchEntries } = await client.search(BAL_BASE, { filter: `(mail=${ldap.entries[9]!.attributes.mail![0]})` });
      assert.equal(searchEntries.length, 1);
    } finally {
      await client.unbind();
    }
  }

  const malformed: [string, Buffer][] = [
    ['not a SEQUENCE', Buffer.from('0201010000', 'hex')],
    ['indefinite length', Buffer.from('30800201016007020103040080000000', 'hex')],
    ['a message larger than 1 MiB', Buffer.from('30840fffffff', 'hex')],
    ['a truncated bind inside a complete frame', Buffer.from('3006020101600102', 'hex')],
    ['messageID 0', Buffer.from('300c020100600702010304008000', 'hex')],
    ['an unknown operation', Buffer.from('3005020101' + '7900', 'hex')],
    ['a response sent as a request', Buffer.from('300c0201016107' + '0a0100' + '0400' + '0400', 'hex')],
    ['random bytes', Buffer.from('30 0a 4c 7f 00 ff 12 34 56 78 9a bc'.replace(/ /g, ''), 'hex')],
  ];
  for (const [what, bytes] of malformed) {
    test(`malformed BER (${what}): Notice of Disconnection, close, and the next client is served`, async () => {
      const client = await RawClient.connect(ldap.port);
      client.send(bytes);
      await client.waitClosed();
      assertNotice(client.responses, ResultCode.protocolError);
      await stillServes();
    });
  }

  test('a message split byte by byte and several messages in one chunk are both understood', async () => {
    const client = await RawClient.connect(ldap.port);
    try {
      const bind = bindRequest(1);
      for (const byte of bind) {
        client.send(Buffer.of(byte));
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal((await client.result(1)).resultCode, ResultCode.success);
      const mail = ldap.entries[11]!.attributes.mail![0]!;
      const mailFilter: FilterNode = { type: 'equalityMatch', attribute: 'mail', value: mail };
      client.send(Buffer.concat([2, 3, 4].map((id) => searchRequest(id, { baseObject: BAL_BASE, scope: 2, filter: mailFilter }))));
      for (const id of [2, 3, 4]) {
        assert.equal((await client.result(id)).resultCode, ResultCode.success);
        assert.equal(client.entries(id).length, 1);
      }
    } finally {
      client.close();
    }
  });

  test('hostile filters get unwillingToPerform, quickly, and the session goes on', async () => {
    const client = await RawClient.connect(ldap.port);
    try {
      let deep: FilterNode = everything;
      for (let i = 0; i < 1000; i++) deep = { type: 'not', filter: deep };
      const pieces: FilterNode = { type: 'substrings', attribute: 'cn', any: Array.from({ length: 100_000 }, () => 'a') };
      const wide: FilterNode = {
        type: 'or',
        filters: Array.from({ length: 5000 }, (_, i) => ({ type: 'equalityMatch' as const, attribute: 'mail', value: `${i}@x.fr` })),
      };
      const started = performance.now();
      client.send(searchRequest(1, { baseObject: BAL_BASE, scope: 2, filter: deep }));
      client.send(searchRequest(2, { baseObject: BAL_BASE, scope: 2, filter: pieces }));
      client.send(searchRequest(3, { baseObject: BAL_BASE, scope: 2, filter: wide }));
      for (const id of [1, 2, 3]) {
        const done = await client.result(id);
        assert.equal(done.tag, OpTag.searchResultDone);
        assert.equal(done.resultCode, ResultCode.unwillingToPerform, done.diagnosticMessage);
        assert.match(done.diagnosticMessage, /filter|pieces/);
      }
      // A generous bound, as for the time limits: walking these filters would take minutes, a loaded machine a second.
      assert.ok(performance.now() - started < 10_000, `refusals took ${performance.now() - started} ms`);
      const mail = ldap.entries[12]!.attributes.mail![0]!;
      client.send(searchRequest(4, { baseObject: BAL_BASE, scope: 2, filter: { type: 'equalityMatch', attribute: 'mail', value: mail } }));
      assert.equal((await client.result(4)).resultCode, ResultCode.success);
      assert.equal(client.entries(4).length, 1);
    } finally {
      client.close();
    }
  });

  test('malformed but well-framed requests fail alone: bad filter structure, scope, SASL, version, delete', async () => {
    const client = await RawClient.connect(ldap.port);
    try {
      // A NOT holding two filters: well-formed BER, not a valid Filter.
      client.send(
        searchRequest(1, { baseObject: BAL_BASE, scope: 2, filter: everything, rawFilter: Buffer.from('a206870161870162', 'hex') }),
      );
      client.send(searchRequest(2, { baseObject: BAL_BASE, scope: 3 as 2, filter: everything }));
      client.send(saslBindRequest(3, 'GSSAPI'));
      client.send(bindRequest(4, '', '', 2));
      client.send(deleteRequest(5, BAL_BASE));
      client.send(extendedRequest(6, '1.3.6.1.4.1.4203.1.11.3'));
      client.send(searchRequest(7, { baseObject: BAL_BASE, scope: 0, filter: everything }, [{ type: '1.2.3.4', critical: true }]));
      client.send(searchRequest(8, { baseObject: BAL_BASE, scope: 0, filter: everything }, [{ type: '1.2.3.4', critical: false }]));
      const codes = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (id) => (await client.result(id)).resultCode));
      assert.deepEqual(codes, [
        ResultCode.protocolError,
        ResultCode.protocolError,
        ResultCode.authMethodNotSupported,
        ResultCode.protocolError,
        ResultCode.unwillingToPerform,
        ResultCode.success,
        ResultCode.unavailableCriticalExtension,
        ResultCode.success,
      ]);
      assert.equal((await client.result(5)).tag, OpTag.delResponse, 'an update is answered with its own response type');
      assert.equal(client.entries(8).length, 1);
    } finally {
      client.close();
    }
  });

  test('a client that pipelines requests without reading stops being read, then is served in full', async () => {
    const client = await RawClient.connect(ldap.port);
    try {
      client.socket.pause();
      // Enough requests (about 10 MB) that their responses overflow the loopback socket buffers.
      const count = 600_000;
      // Written in small chunks: the socket counts a chunk as unsent until all of it has gone.
      for (let i = 0; i < count; i += 1000) client.send(Buffer.concat(Array.from({ length: 1000 }, (_, j) => bindRequest(i + j + 1))));
      // Long enough for the server to read all of it (about 6 MB/s here) if it did not stop.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const unsent = client.socket.writableLength;
      // The server stopped reading once its responses went unread: the rest of the requests wait
      // on our side instead of becoming responses queued in the server's memory.
      assert.ok(unsent > 1024 * 1024, `${unsent} bytes still unsent`);
      client.socket.resume();
      await client.until((responses) => responses.length === count, 30_000);
      assert.ok(client.responses.every((r, i) => r.messageId === i + 1 && r.kind === 'result' && r.resultCode === ResultCode.success));
    } finally {
      client.close();
    }
  });

  test('unbind closes the session without a response', async () => {
    const client = await RawClient.connect(ldap.port);
    client.send(bindRequest(1));
    await client.result(1);
    client.send(unbindRequest(2));
    await client.waitClosed();
    assert.equal(client.responses.length, 1);
  });
});

describe('abandon', () => {
  test('an abandoned search sends nothing more, stops its source, and the session goes on', async () => {
    const entries = generateEntries(50);
    const state = { stopped: false };
    const slow: LdapEntrySource = {
      async *search({ signal, filter }) {
        if (filter.type === 'equalityMatch') {
          yield* new MemoryEntrySource(entries).search({ baseDn: BAL_BASE, scope: 'sub', filter, signal });
          return;
        }
        for (const entry of entries) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (signal.aborted) {
            state.stopped = true;
            return;
          }
          yield entry;
        }
      },
    };
    const ldap = await startTestLdap({ source: slow });
    const client = await RawClient.connect(ldap.port);
    try {
      client.send(searchRequest(1, { baseObject: BAL_BASE, scope: 2, filter: everything }));
      await client.until((r) => r.filter((x) => x.messageId === 1).length >= 3);
      client.send(abandonRequest(2, 1));
      // The source sees the abort at its next entry: awaited, not guessed with a sleep.
      for (const end = Date.now() + 15_000; !state.stopped && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(state.stopped, 'the source saw the abort');
      const count = client.entries(1).length;
      assert.ok(count < 20, `${count} entries despite the abandon`);
      const mail = entries[4]!.attributes.mail![0]!;
      client.send(searchRequest(3, { baseObject: BAL_BASE, scope: 2, filter: { type: 'equalityMatch', attribute: 'mail', value: mail } }));
      assert.equal((await client.result(3)).resultCode, ResultCode.success);
      assert.equal(client.entries(3).length, 1);
      assert.equal(client.responses.filter((r) => r.messageId === 1 && r.kind === 'result').length, 0, 'no result for an abandoned search');
      assert.equal(client.entries(1).length, count);
    } finally {
      client.close();
      await ldap.stop();
    }
  });
});

describe('connections', () => {
  test('200 concurrent connections are all served', async () => {
    const ldap = await startTestLdap();
    const clients = Array.from({ length: 200 }, () => anonymousClient(ldap.url));
    try {
      const results = await Promise.all(
        clients.map(async (client, i) => {
          await client.bind('', '');
          const target = ldap.entries[i * 5]!;
          const { searchEntries } = await client.search(BAL_BASE, { filter: `(mail=${target.attributes.mail![0]})`, attributes: ['mail'] });
          return searchEntries.length === 1 && searchEntries[0]!.dn === target.dn;
        }),
      );
      assert.equal(results.filter(Boolean).length, 200);
    } finally {
      await Promise.all(clients.map((client) => client.unbind()));
      await ldap.stop();
    }
  });

  test('beyond maxConnections a client gets a Notice of Disconnection (unavailable)', async () => {
    const ldap = await startTestLdap({ maxConnections: 2 });
    const a = await RawClient.connect(ldap.port);
    const b = await RawClient.connect(ldap.port);
    try {
      a.send(bindRequest(1));
      b.send(bindRequest(1));
      await a.result(1);
      await b.result(1);
      const c = await RawClient.connect(ldap.port);
      await c.waitClosed();
      assertNotice(c.responses, ResultCode.unavailable);
      assert.match((c.responses[0] as { diagnosticMessage: string }).diagnosticMessage, /too many connections/);
    } finally {
      a.close();
      b.close();
      await ldap.stop();
    }
  });

  test('an idle session is closed', async () => {
    const ldap = await startTestLdap({ idleTimeoutSeconds: 0.2 });
    try {
      const client = await RawClient.connect(ldap.port);
      client.send(bindRequest(1));
      await client.result(1);
      const started = performance.now();
      await client.waitClosed(15_000);
      assert.ok(performance.now() - started >= 150);
    } finally {
      await ldap.stop();
    }
  });

  test('stop() sends a Notice of Disconnection to open sessions and resolves', async () => {
    const ldap = await startTestLdap();
    const client = await RawClient.connect(ldap.port);
    client.send(bindRequest(1));
    await client.result(1);
    await ldap.stop();
    await client.waitClosed();
    assertNotice(client.responses, ResultCode.unavailable);
    await ldap.stop();
  });

  test('a busy port is a one-line MssError naming the service', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        startLdapServer({ host: '127.0.0.1', port, source: new MemoryEntrySource([] as LdapEntry[]), logger: silentLogger() }),
        (err: unknown) =>
          err instanceof MssError &&
          err.message ===
            `port ${port} on 127.0.0.1 is already in use (annuaireLdap); stop the other program or pick other ports with --port-base`,
      );
    } finally {
      blocker.close();
    }
  });
});
