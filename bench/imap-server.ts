/**
 * Bench-only IMAP server: a fresh SQLite store in a temp dir, the demo personas (`seedDemo`), and
 * `startImapServer` with a LOGIN hook of its own (`benchLogin` below, no TLS) on a loopback port, so that the
 * shared load scripts (`../shared/bench/imap/`) can be pointed at us. Runs until SIGINT/SIGTERM
 * (or BENCH_IMAP_MAX_S seconds, default 900), then stops and removes its temp dir.
 *
 *   node bench/imap-server.ts [PORT=2143]        env BENCH_IMAP_PASSWORD=bench  MSS_LOG_LEVEL=warn
 *
 * Prints one ready line on stdout: `ready<TAB>imap://127.0.0.1:PORT<TAB>USER<TAB>PASSWORD<TAB>pid<TAB>dir`.
 * The server runs in this process, so its RSS is this process's (/proc/<pid>/status VmRSS). With
 * `BENCH_LISTENER_WORKERS=N` (> 1) N workers share the port (bench/cluster.ts): this process seeds
 * the store and forks them, and the RSS is that of its process tree. With
 * `BENCH_DATABASE_URL=postgres://…` the store is that PostgreSQL database instead of SQLite. With
 * `BENCH_JOIN_DIR=<the first node's dir>` this process is a second node on the same database and
 * blob directory (as two `mss serve` on one PostgreSQL): no migration, no seeding, its own port,
 * and the dir is left to the first node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, createTokenValidator } from '@mss/access';
import { startImapServer, type LoginHook } from '@mss/imap';
import { createLogger, loadStoreSettings, logLevelSetting } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import { MailboxScope, Store } from '@mss/store';
import { benchWorkerServes, benchWorkerStoreOptions, forkBenchWorkers, isBenchPrimary, isBenchWorker, listenerWorkers } from './cluster.ts';

const BENCH_DOMAIN = 'operateur-a.mssante.fr';
/** The demo PS person's own (PER) mailbox, created by `seedDemo` with its holder row. */
const BENCH_USER = `paul.martin@${BENCH_DOMAIN}`;

const HOST = '127.0.0.1';
const port = Number(process.argv[2] ?? process.env.BENCH_IMAP_PORT ?? 2143);
const password = process.env.BENCH_IMAP_PASSWORD ?? 'bench';
const maxSeconds = Number(process.env.BENCH_IMAP_MAX_S ?? 900);
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const joinDir = process.env.BENCH_JOIN_DIR || undefined;

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`imap-server: bad port ${process.argv[2]}\n`);
  process.exit(2);
}

/**
 * The bench's LOGIN: any active mailbox with the bench password, for a day. It lives here, not in
 * @mss/imap, so that no listener of the operator can accept a password.
 */
function benchLogin(store: Store, expected: string): LoginHook {
  return async (userid, given) => {
    const box = await store.mailboxes.byAddress(userid);
    if (!box || box.status !== 'active' || given !== expected) return null;
    const identity = {
      idnat: box.owner_idnat,
      mailbox: box.address,
      scope: new MailboxScope(store, box),
      clientId: 'bench',
      role: 'bench',
    };
    return { identity, expiresAt: new Date(Date.now() + 24 * 3600_000), text: 'LOGIN completed (bench listener)' };
  };
}

const logger = createLogger({ name: 'imap-bench', level: logLevelSetting(undefined, process.env, 'warn') });

/** The IMAP listener on `store`, with the bench's LOGIN. */
function listen(store: Store) {
  const access = new AccessControl({ store, logger });
  // LOGIN on the bench listener never validates tokens: an issuer nobody listens on will do.
  const tokenValidator = createTokenValidator({ issuer: 'http://127.0.0.1:9/auth/realms/none' });
  // Every bench client (and its 1,000 IDLE sessions) comes from 127.0.0.1.
  return startImapServer({
    store,
    access,
    tokenValidator,
    logger,
    host: HOST,
    port,
    login: benchLogin(store, password),
    name: 'imapBench',
    maxConnectionsPerAddress: 100_000,
  });
}

if (isBenchWorker()) {
  const store = await Store.open({
    dataDir: process.env.BENCH_IMAP_DIR!,
    databaseUrl,
    ...loadStoreSettings(),
    migrate: false,
    ...benchWorkerStoreOptions(),
  });
  const server = await listen(store);
  benchWorkerServes(server.url, async () => {
    await server.stop();
    await store.close();
  });
} else {
  const dir = joinDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-imap-'));
  // The first node owns the dir; a second one must not delete it under the first.
  const removeDir = () => {
    if (!joinDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  let store: Store | undefined;
  try {
    if (joinDir) {
      store = await Store.open({ dataDir: dir, databaseUrl, ...loadStoreSettings(), migrate: false });
    } else {
      store = await Store.open({ dataDir: dir, databaseUrl, ...loadStoreSettings() });
      await seedDemo(store, BENCH_DOMAIN);
    }
    const box = await store.mailboxes.byAddress(BENCH_USER);
    if (!box || box.status !== 'active') throw new Error(`seedDemo did not create an active mailbox ${BENCH_USER}`);
    let url: string;
    let stopServer: () => Promise<void>;
    if (isBenchPrimary()) {
      const workers = await forkBenchWorkers<string>(listenerWorkers(), { BENCH_IMAP_DIR: dir });
      url = workers.ready[0]!;
      stopServer = () => workers.stop();
    } else {
      const server = await listen(store);
      url = server.url;
      stopServer = () => server.stop();
    }

    let stopping = false;
    const stop = async (why: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`imap-server: stopping (${why})\n`);
      const hard = setTimeout(() => {
        removeDir();
        process.exit(1);
      }, 10_000);
      hard.unref();
      try {
        await stopServer();
        await store?.close();
      } finally {
        removeDir();
        process.exit(0);
      }
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    setTimeout(() => void stop(`BENCH_IMAP_MAX_S=${maxSeconds}`), maxSeconds * 1000).unref();
    // Keep the process alive even if the listener were unref'd.
    setInterval(() => {}, 1 << 30);
    process.stdout.write(`ready\t${url}\t${BENCH_USER}\t${password}\t${process.pid}\t${dir}\n`);
  } catch (err) {
    process.stderr.write(`imap-server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await store?.close().catch(() => {});
    removeDir();
    process.exit(1);
  }
}
