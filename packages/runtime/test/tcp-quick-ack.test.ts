// TCP_QUICKACK through koffi: the kernel's delayed-ACK mode of a real loopback connection is left
// when quickAck() is called (docs/choices.md, "Quick ACK after a literal").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { quickAck, quickAckAvailable, quickAckState } from '../src/tcp-quick-ack.ts';

/** A connected loopback pair: [the server's socket, the client's]. */
async function pair(): Promise<{ server: net.Socket; client: net.Socket; close(): void }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection');
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = (await accepted) as [net.Socket];
  return {
    server,
    client,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

/** One request and its answer, the answer written as soon as the request is read. */
async function exchange(p: { server: net.Socket; client: net.Socket }): Promise<void> {
  const request = once(p.server, 'data');
  p.client.write('ping\r\n');
  await request;
  const answer = once(p.client, 'data');
  p.server.write('pong\r\n');
  await answer;
}

test('on Linux, koffi is there: quick ACK is available (it is what an APPEND with Nagle on waits for)', {
  skip: process.platform !== 'linux',
}, () => {
  assert.equal(quickAckAvailable(), true);
});

test('an interactive connection is in delayed-ACK mode; quickAck() leaves it, and the kernel says so', {
  skip: process.platform !== 'linux',
}, async () => {
  const p = await pair();
  try {
    // Answers written right after requests are what makes Linux delay its ACKs ("pingpong"). An
    // answer later than the delayed-ACK timer (a loaded machine) resets that: go on until it holds.
    let rounds = 0;
    while (quickAckState(p.server) !== 0 && rounds < 200) {
      await exchange(p);
      rounds++;
    }
    assert.equal(quickAckState(p.server), 0, `after ${rounds} request/answer rounds the server side delays its ACKs`);
    assert.equal(quickAck(p.server), true);
    assert.equal(quickAckState(p.server), 1, 'quickAck() switched the socket to immediate ACKs');
  } finally {
    p.close();
  }
});

test('a closed socket: nothing to set, false, no throw', async () => {
  const p = await pair();
  p.server.destroy();
  await once(p.server, 'close');
  assert.equal(quickAck(p.server), false);
  assert.equal(quickAckState(p.server), undefined);
  p.close();
});
