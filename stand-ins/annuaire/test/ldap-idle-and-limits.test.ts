// Idle sessions and connections per client address (issue #12, "Idle connections"): a session
// that has not completed a request within the idle timeout is closed, however many bytes of an
// unfinished one it sends; one client address cannot hold every connection of the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCode } from '../src/index.ts';
import { OpTag } from '../src/ldap/messages.ts';
import { BAL_BASE, startTestLdap } from './support/ldap-fixtures.ts';
import { RawClient, bindRequest, searchRequest } from './support/ldap-wire.ts';

const NOTICE_OF_DISCONNECTION = '1.3.6.1.4.1.1466.20036';

test('half a request, then nothing: the session is closed at the idle timeout, nothing answered', async () => {
  const ldap = await startTestLdap({ idleTimeoutSeconds: 0.3 });
  try {
    const client = await RawClient.connect(ldap.port);
    const bind = bindRequest(1);
    client.send(bind.subarray(0, Math.floor(bind.length / 2)));
    await client.waitClosed(15_000);
    assert.deepEqual(client.responses, [], 'a half-sent request gets no answer');
  } finally {
    await ldap.stop();
  }
});

test('bytes trickled without completing a request do not keep the session open', async () => {
  const ldap = await startTestLdap({ idleTimeoutSeconds: 0.5 });
  try {
    const client = await RawClient.connect(ldap.port);
    // A search of about 400 bytes, one byte every 50 ms: 20 s to send it whole, 40 times the timeout.
    const filter = { type: 'equalityMatch' as const, attribute: 'mail', value: `${'x'.repeat(350)}@example.test` };
    const request = searchRequest(1, { baseObject: BAL_BASE, scope: 2, filter });
    let sent = 0;
    let closed = false;
    const done = client.waitClosed(60_000).then(() => (closed = true));
    while (!closed && sent < request.length - 1) {
      client.send(request.subarray(sent, sent + 1));
      sent++;
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    await done;
    assert.ok(sent < request.length - 1, `closed before the request was complete (${sent} of ${request.length} bytes sent)`);
    assert.deepEqual(client.responses, []);
  } finally {
    await ldap.stop();
  }
});

test('a session that completes requests stays open past the idle timeout', async () => {
  const ldap = await startTestLdap({ idleTimeoutSeconds: 2 });
  try {
    const client = await RawClient.connect(ldap.port);
    // 30 requests 100 ms apart: 3 s in all, each far within the timeout of the one before.
    for (let id = 1; id <= 30; id++) {
      client.send(bindRequest(id));
      assert.equal((await client.result(id)).resultCode, ResultCode.success);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    client.send(bindRequest(31));
    assert.equal((await client.result(31)).resultCode, ResultCode.success);
    client.close();
  } finally {
    await ldap.stop();
  }
});

test('the N+1th connection from one address gets a Notice of Disconnection; another address still connects', async () => {
  const ldap = await startTestLdap({ maxConnectionsPerAddress: 2, maxConnections: 100 });
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.connect(ldap.port);
      clients.push(c);
      c.send(bindRequest(1));
      assert.equal((await c.result(1)).resultCode, ResultCode.success);
    }
    const third = await RawClient.connect(ldap.port);
    await third.waitClosed(15_000);
    const notice = third.responses.at(-1);
    assert.ok(notice?.kind === 'result', `expected a Notice of Disconnection, got ${JSON.stringify(third.responses)}`);
    assert.equal(notice.messageId, 0, 'RFC 4511 §4.4.1: unsolicited, message ID 0');
    assert.equal(notice.tag, OpTag.extendedResponse);
    assert.equal(notice.responseName, NOTICE_OF_DISCONNECTION);
    assert.equal(notice.resultCode, ResultCode.unavailable);
    assert.match(notice.diagnosticMessage, /too many connections from 127\.0\.0\.1 \(limit 2 per address\)/);

    const other = await RawClient.connect(ldap.port, '127.0.0.2');
    clients.push(other);
    other.send(bindRequest(1));
    assert.equal((await other.result(1)).resultCode, ResultCode.success, 'another client address is served');

    // A slot is given back when its session ends.
    clients.shift()!.close();
    let again: RawClient | undefined;
    for (let attempt = 0; attempt < 50 && !again; attempt++) {
      const c = await RawClient.connect(ldap.port);
      c.send(bindRequest(1));
      try {
        await c.result(1, 15_000);
        again = c;
      } catch {
        c.close();
      }
    }
    assert.ok(again, 'the address connects again once one of its sessions has ended');
    clients.push(again);
  } finally {
    for (const c of clients) c.close();
    await ldap.stop();
  }
});
