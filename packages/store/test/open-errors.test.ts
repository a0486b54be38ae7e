import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Store } from '../src/index.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mss-open-'));

test('a URL with an unsupported scheme is refused with one clear line', async () => {
  await assert.rejects(Store.open({ dataDir: tmp(), databaseUrl: 'mysql://root@127.0.0.1/mss' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'DATABASE_URL_INVALID');
    assert.match(err.message, /scheme "mysql:" is not supported/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('a string that is not a URL is refused', async () => {
  await assert.rejects(Store.open({ dataDir: tmp(), databaseUrl: 'not a url' }), /MSS_DATABASE_URL is not a valid URL/);
});

test('an unreachable PostgreSQL gives a clear line, without the password', async () => {
  await assert.rejects(
    Store.open({ dataDir: tmp(), databaseUrl: 'postgres://mss:s3cret@127.0.0.1:1/mss' }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DATABASE_CONNECT_FAILED');
      assert.match(err.message, /cannot use PostgreSQL at 127\.0\.0\.1:1\/mss: connection refused/);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    },
  );
});

test('a bad schema name in the URL is refused before connecting', async () => {
  await assert.rejects(Store.open({ dataDir: tmp(), databaseUrl: 'postgres://127.0.0.1:1/x?schema=a;drop' }), /schema "a;drop" must match/);
});

test('an unwritable data directory is reported as such', {
  skip: process.getuid?.() === 0 ? 'root can write anywhere' : false,
}, async () => {
  const dir = tmp();
  fs.chmodSync(dir, 0o500);
  await assert.rejects(Store.open({ dataDir: path.join(dir, 'sub') }), /data directory .* is not writable \(EACCES\)/);
});

test('a data directory that is a file is reported as unwritable', async () => {
  const file = path.join(tmp(), 'plain-file');
  fs.writeFileSync(file, '');
  await assert.rejects(Store.open({ dataDir: file }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'DATA_DIR_UNWRITABLE');
    assert.match(err.message, /is not writable \((EEXIST|ENOTDIR)\)/);
    return true;
  });
});

test('the sqlite: URL form opens a database file where it says', async () => {
  const dir = tmp();
  const store = await Store.open({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'other.sqlite')}` });
  try {
    assert.equal(store.engine, 'sqlite');
    assert.ok(fs.existsSync(path.join(dir, 'other.sqlite')));
  } finally {
    await store.close();
  }
});

test("a directory under /proc cannot be made: one clear error, at once (Node's recursive mkdir loops there)", {
  skip: !fs.existsSync('/proc/self'),
}, async () => {
  await assert.rejects(Store.open({ dataDir: '/proc/x/y', databaseUrl: undefined }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'DATA_DIR_UNWRITABLE');
    assert.equal(err.message, 'data directory /proc/x/y is not writable (ENOENT)');
    return true;
  });
});

test('create: false opens an existing store and never makes one (SQLite: no directory, no file)', async () => {
  const dir = path.join(tmp(), 'never-made');
  await assert.rejects(Store.open({ dataDir: dir, databaseUrl: undefined, create: false }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STORE_MISSING');
    assert.equal(err.message, `there is no store at sqlite:${path.join(dir, 'mss.sqlite')} (nothing was created)`);
    return true;
  });
  assert.equal(fs.existsSync(dir), false);
  await (await Store.open({ dataDir: dir, databaseUrl: undefined })).close();
  const again = await Store.open({ dataDir: dir, databaseUrl: undefined, create: false });
  assert.equal(again.engine, 'sqlite');
  await again.close();
});

test('create: false on PostgreSQL: a schema where no store was made is STORE_MISSING, and is not created', {
  skip: !process.env.MSS_DATABASE_URL && 'PostgreSQL only',
}, async () => {
  const url = new URL(process.env.MSS_DATABASE_URL!);
  const schema = `missing_${process.pid}_${Date.now()}`;
  url.searchParams.set('schema', schema);
  await assert.rejects(Store.open({ dataDir: tmp(), databaseUrl: url.toString(), create: false }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STORE_MISSING');
    assert.match(err.message, new RegExp(`^there is no store at postgres://.* schema ${schema} \\(nothing was created\\)$`));
    return true;
  });
  const server = new URL(url);
  server.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    assert.equal(
      (await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rowCount,
      0,
      'no schema made',
    );
  } finally {
    await client.end();
  }
  const made = await Store.open({ dataDir: tmp(), databaseUrl: url.toString() });
  try {
    const found = await Store.open({ dataDir: tmp(), databaseUrl: url.toString(), create: false });
    await found.close();
  } finally {
    await made.dropSchema();
    await made.close();
  }
});
