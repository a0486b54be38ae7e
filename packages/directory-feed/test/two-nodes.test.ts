// Two operator nodes on one PostgreSQL database drain one directory outbox (issue #17, "one
// directory feed drains the outbox"): each change is sent once, in outbox order, however the
// nodes' polls fall — not once per node, and never an older change after a newer one (R-ANN-1:
// the directory must end in the operator's last state). Each node is its own Store (its own
// pool, so its own PostgreSQL sessions), both draining at the same instant. The directory is a
// recording HTTP server that answers each PATCH after a pause, so that the drains overlap.
// PostgreSQL only: on SQLite one process drains.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import { Store, publicationOf } from '@mss/store';
import { openTestStore, TEST_ENGINE } from '@mss/store/testing';
import { DirectoryFeedSender } from '../src/index.ts';

const A = 'operateur-a.mssante.fr';
const skip = TEST_ENGINE === 'postgres' ? false : 'several nodes share a database on PostgreSQL only';

let node1: Store;
let node2: Store;
let cleanup: () => Promise<void>;
let directory: http.Server;
let url: string;
const received: string[] = [];

before(async () => {
  if (skip) return;
  const opened = await openTestStore();
  node1 = opened.store;
  cleanup = opened.cleanup;
  node2 = await Store.open({ databaseUrl: opened.databaseUrl, dataDir: opened.dataDir, migrate: false });
  await seedDemo(node1, A);
  directory = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push(body);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{}'), 5);
    });
  });
  await new Promise<void>((r) => directory.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(directory.address() as AddressInfo).port}`;
});
after(async () => {
  if (skip) return;
  directory.close();
  await node2.close();
  await cleanup();
});

test('two nodes drain one outbox at once: every change sent once, in order', { skip }, async () => {
  const mailbox = (await node1.mailboxes.byAddress(`cardiologie.ch-lilas@${A}`))!;
  // Twenty changes of one mailbox's publication, each told apart by its description.
  for (let i = 1; i <= 20; i++)
    await node1.outbox.enqueue(mailbox.id, 'publish', { ...publicationOf(mailbox), description: `change ${i}` });
  const senders = [node1, node2].map((store) => new DirectoryFeedSender({ store, url, key: 'k', logger: silentLogger() }));
  const results = await Promise.all(senders.map((s) => s.drain()));
  assert.equal(results[0]!.sent + results[1]!.sent, 20, JSON.stringify(results));
  const order = received.map((b) => Number(/change (\d+)/.exec(b)?.[1]));
  assert.deepEqual(
    order,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.deepEqual(await node1.outbox.pending(), [], 'nothing left');
});
