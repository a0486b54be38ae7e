// A second operator node for the tests: its own process, the same store (PostgreSQL schema
// and data dir) as the test's, its own IMAP listener. Prints {"port": N} once listening; stops
// when its standard input closes. Usage: imap-node.ts DATABASE_URL|'' DATA_DIR PSC_ISSUER
// ('' for the SQLite file in DATA_DIR; the bus then crosses processes by its polled table).
import { AccessControl, createTokenValidator } from '@mss/access';
import { silentLogger } from '@mss/runtime';
import { Store } from '@mss/store';
import { startImapServer } from '../../src/index.ts';
import { testCertificate } from './imap-world.ts';

const [databaseUrl, dataDir, issuer] = process.argv.slice(2) as [string, string, string];
const store = await Store.open({ databaseUrl: databaseUrl || undefined, dataDir, migrate: false, crossProcessEvents: true });
const access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
const imap = await startImapServer({
  store,
  access,
  tokenValidator: createTokenValidator({ issuer }),
  logger: silentLogger(),
  host: '127.0.0.1',
  port: 0,
  tls: testCertificate(),
});
process.stdout.write(`${JSON.stringify({ port: imap.port, bus: store.bus.kind })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await imap.stop();
  await store.close();
  process.exit(0);
});
