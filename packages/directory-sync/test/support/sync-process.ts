// A separate operator process that follows the Annuaire's change feed until killed: the crash
// test kill -9s it in the middle of a synchronisation. Settings from the environment.
import { AccessControl } from '@mss/access';
import { Governance } from '@mss/governance';
import { silentLogger } from '@mss/runtime';
import { Store } from '@mss/store';
import { DirectorySync } from '../../src/index.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const store = await Store.open({ dataDir: env('SYNC_DATA_DIR'), databaseUrl: process.env.SYNC_DATABASE_URL || undefined, migrate: false });
const access = new AccessControl({ store });
const gov = new Governance({ store, access, operatorDomains: ['operateur-a.mssante.fr'] });
const sync = new DirectorySync({
  store,
  url: env('SYNC_ANNUAIRE_URL'),
  apiKey: env('SYNC_API_KEY'),
  logger: silentLogger(),
  consequences: gov,
  pageSize: Number(env('SYNC_PAGE_SIZE')),
  pauseAfterPageMs: Number(env('SYNC_PAUSE_MS')),
  intervalMs: 100,
  backoff: { initialMs: 50, maxMs: 500 },
});
sync.start();
// The follower's timer does not keep a process alive (it is unref'd): this one has nothing else to do.
const alive = setInterval(() => {}, 1 << 30);
process.stdout.write('following\n');
process.on('SIGTERM', () => {
  clearInterval(alive);
  void sync.stop().then(() => store.close().then(() => process.exit(0)));
});
