/**
 * Bench-only LDAP side of the project, in a child process of `ldap.bench.ts`: the Annuaire
 * stand-in's LDAP server over an `IndexedEntrySource` holding the same N synthetic entries the
 * peer slapd loads (`../shared/bench/ldap/gen-ldif.py N`), with the server's own limits (100
 * entries, 60 s), anonymous. Prints `ready<TAB>port<TAB>entries<TAB>load_seconds` on stdout.
 *
 *   node bench/ldap-server.ts [PORT=0]      env BENCH_LDAP_ENTRIES=200000 BENCH_SHARED=…
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { IndexedEntrySource, startLdapServer, type LdapEntry } from '@mss/annuaire';
import { createLogger, logLevelSetting } from '@mss/runtime';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.BENCH_SHARED ?? path.join(HERE, '..', '..', 'shared', 'bench'));
const N = Number(process.env.BENCH_LDAP_ENTRIES ?? 200_000);

/** The LDIF gen-ldif.py writes: blocks separated by blank lines, `type: value` lines, ASCII only. */
async function readLdif(n: number): Promise<LdapEntry[]> {
  const child = spawn('python3', [path.join(SHARED, 'ldap', 'gen-ldif.py'), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const entries: LdapEntry[] = [];
  let current: LdapEntry | undefined;
  for await (const line of readline.createInterface({ input: child.stdout })) {
    if (line === '') {
      if (current) entries.push(current);
      current = undefined;
      continue;
    }
    const colon = line.indexOf(': ');
    if (colon < 0) throw new Error(`unexpected LDIF line: ${line}`);
    const type = line.slice(0, colon);
    const value = line.slice(colon + 2);
    if (type === 'dn') current = { dn: value, attributes: {} };
    else if (current) (current.attributes[type] ??= []).push(value);
  }
  if (current) entries.push(current);
  return entries;
}

const t0 = performance.now();
const entries = await readLdif(N);
const source = new IndexedEntrySource(entries);
const seconds = (performance.now() - t0) / 1000;
const logger = createLogger({ name: 'ldap-bench', level: logLevelSetting(undefined, process.env, 'warn') });
const server = await startLdapServer({
  host: '127.0.0.1',
  port: Number(process.argv[2] ?? 0),
  source,
  logger,
  maxConnections: 4096,
  maxConnectionsPerAddress: 4096,
});
process.stdout.write(`ready\t${server.port}\t${entries.length}\t${seconds.toFixed(1)}\n`);
const stop = async (): Promise<void> => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
