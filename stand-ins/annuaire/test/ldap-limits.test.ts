// R-ANN-3 limits as clients see them (100 entries, 60 s, smaller client limits honoured), and
// the pacing of a search by a slow reader.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SizeLimitExceededError, TimeLimitExceededError } from 'ldapts';
import { type LdapEntry, type LdapEntrySource, MemoryEntrySource, ResultCode } from '../src/index.ts';
import { BAL_BASE, generateEntries, startTestLdap, type TestLdap } from './support/ldap-fixtures.ts';
import { anonymousClient, rawSearch } from './support/ldapts-raw.ts';
import { RawClient, searchRequest } from './support/ldap-wire.ts';

describe('size limits', () => {
  let ldap: TestLdap;
  before(async () => {
    ldap = await startTestLdap();
  });
  after(() => ldap.stop());

  test('the server returns exactly 100 entries, then sizeLimitExceeded', async () => {
    const client = anonymousClient(ldap.url);
    try {
      // ldapts surfaces the code as an error when the client set no limit of its own…
      await assert.rejects(client.search(BAL_BASE, { filter: '(sn=Martin)' }), SizeLimitExceededError);
      // …and the wire carries the first 100 entries with it.
      const raw = await rawSearch(client, BAL_BASE, { filter: '(sn=Martin)' });
      assert.equal(raw.status, ResultCode.sizeLimitExceeded);
      assert.equal(raw.entries.length, 100);
      assert.equal(new Set(raw.entries.map((e) => e.dn)).size, 100);
      assert.ok(raw.entries.every((e) => e.attributes.sn?.[0] === 'Martin'));
      const larger = await rawSearch(client, BAL_BASE, { filter: '(sn=Martin)', sizeLimit: 500 });
      assert.equal(larger.entries.length, 100, 'a client cannot raise the server limit');
      assert.equal(larger.status, ResultCode.sizeLimitExceeded);
    } finally {
      await client.unbind();
    }
  });

  test('a smaller client limit is honoured: 10 entries then sizeLimitExceeded', async () => {
    const client = anonymousClient(ldap.url);
    try {
      // ldapts returns the entries without an error when the limit was its own request.
      const { searchEntries } = await client.search(BAL_BASE, { filter: '(sn=Martin)', sizeLimit: 10 });
      assert.equal(searchEntries.length, 10);
      const raw = await rawSearch(client, BAL_BASE, { filter: '(sn=Martin)', sizeLimit: 10 });
      assert.equal(raw.status, ResultCode.sizeLimitExceeded);
      assert.equal(raw.entries.length, 10);
    } finally {
      await client.unbind();
    }
  });

  test('reaching the limit exactly is a success: the limit is exceeded only by one more entry', async () => {
    const client = anonymousClient(ldap.url);
    try {
      const raw = await rawSearch(client, BAL_BASE, { filter: '(&(sn=Martin)(l=Lyon))', sizeLimit: 40 });
      assert.equal(raw.entries.length, 40);
      assert.equal(raw.status, ResultCode.success);
      const under = await rawSearch(client, BAL_BASE, { filter: '(&(sn=Martin)(l=Lyon))', sizeLimit: 39 });
      assert.equal(under.entries.length, 39);
      assert.equal(under.status, ResultCode.sizeLimitExceeded);
    } finally {
      await client.unbind();
    }
  });
});

/** Yields `entries` one every `intervalMs`, or never when `intervalMs` is Infinity. */
function slowSource(entries: LdapEntry[], intervalMs: number, seen?: { aborted: boolean }): LdapEntrySource {
  return {
    async *search({ signal }) {
      for (const entry of entries) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(timer);
            signal.removeEventListener('abort', wake);
            resolve();
          };
          const timer = Number.isFinite(intervalMs) ? setTimeout(wake, intervalMs) : undefined;
          signal.addEventListener('abort', wake, { once: true });
        });
        if (signal.aborted) {
          if (seen) seen.aborted = true;
          return;
        }
        yield entry;
      }
    },
  };
}

describe('time limits', () => {
  const entries = generateEntries(200);

  test('a slow source ends with timeLimitExceeded and the entries found so far', async () => {
    const seen = { aborted: false };
    const ldap = await startTestLdap({ source: slowSource(entries, 40, seen), timeLimitSeconds: 0.5 });
    const client = anonymousClient(ldap.url);
    try {
      await assert.rejects(client.search(BAL_BASE, { filter: '(objectClass=*)' }), TimeLimitExceededError);
      const started = performance.now();
      const raw = await rawSearch(client, BAL_BASE, { filter: '(objectClass=*)' });
      const elapsed = performance.now() - started;
      assert.equal(raw.status, ResultCode.timeLimitExceeded);
      assert.ok(raw.entries.length >= 3 && raw.entries.length <= 14, `${raw.entries.length} entries in 0.5 s at one per 40 ms`);
      assert.deepEqual(
        raw.entries.map((e) => e.dn),
        entries.slice(0, raw.entries.length).map((e) => e.dn),
      );
      // Not before the limit; the upper bound only says it did stop (a loaded machine is slow).
      assert.ok(elapsed >= 450 && elapsed < 10_000, `answered after ${elapsed} ms`);
      assert.ok(seen.aborted, 'the source was told to stop');
    } finally {
      await client.unbind();
      await ldap.stop();
    }
  });

  test('a source that never answers still ends at the time limit', async () => {
    const ldap = await startTestLdap({ source: slowSource(entries, Infinity), timeLimitSeconds: 0.3 });
    const client = anonymousClient(ldap.url);
    try {
      const raw = await rawSearch(client, BAL_BASE, { filter: '(objectClass=*)' });
      assert.equal(raw.status, ResultCode.timeLimitExceeded);
      assert.equal(raw.entries.length, 0);
    } finally {
      await client.unbind();
      await ldap.stop();
    }
  });

  test('a smaller client time limit is honoured', async () => {
    const ldap = await startTestLdap({ source: slowSource(entries, 100) });
    const client = anonymousClient(ldap.url);
    try {
      const started = performance.now();
      const raw = await rawSearch(client, BAL_BASE, { filter: '(objectClass=*)', timeLimit: 1 });
      const elapsed = performance.now() - started;
      assert.equal(raw.status, ResultCode.timeLimitExceeded);
      assert.ok(elapsed >= 950 && elapsed < 10_000, `answered after ${elapsed} ms`);
      assert.ok(raw.entries.length >= 5 && raw.entries.length <= 11, `${raw.entries.length} entries`);
    } finally {
      await client.unbind();
      await ldap.stop();
    }
  });
});

describe('backpressure', () => {
  test('a client that stops reading holds the search back instead of filling memory', async () => {
    const big = 'x'.repeat(64 * 1024);
    const entries: LdapEntry[] = Array.from({ length: 2000 }, (_, i) => ({
      dn: `cn=e${i},${BAL_BASE}`,
      attributes: { cn: [`e${i}`], description: [big] },
    }));
    const memory = new MemoryEntrySource(entries);
    let produced = 0;
    const counting: LdapEntrySource = {
      async *search(request) {
        for await (const entry of memory.search(request)) {
          produced++;
          yield entry;
        }
      },
    };
    const ldap = await startTestLdap({ source: counting, sizeLimit: 100_000 });
    const client = await RawClient.connect(ldap.port);
    try {
      client.socket.pause();
      client.send(searchRequest(1, { baseObject: BAL_BASE, scope: 2, filter: { type: 'present', attribute: 'objectClass' } }));
      // Wait for the search to have begun (a loaded machine may take a while), then give it time to
      // run ahead of the unread socket if it did not wait for it.
      for (const end = Date.now() + 30_000; produced === 0 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const whilePaused = produced;
      // 2,000 entries are 128 MiB; what may be in flight is bounded by socket buffers (a few MiB).
      assert.ok(whilePaused > 0 && whilePaused < 400, `${whilePaused} entries produced while the client was not reading`);
      client.socket.resume();
      const done = await client.result(1, 60_000); // 128 MiB over loopback: seconds on a loaded machine
      assert.equal(done.resultCode, ResultCode.success);
      assert.equal(client.entries(1).length, 2000);
      assert.equal(produced, 2000);
    } finally {
      client.close();
      await ldap.stop();
    }
  });
});
