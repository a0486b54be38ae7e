/**
 * LDAP benchmark: the Annuaire stand-in's LDAP server (`bench/ldap-server.ts`, an indexed
 * in-memory source) against a private OpenLDAP slapd (`../shared/bench/ldap/peer-slapd.sh`, mdb,
 * indexes on mail, uid, cn, sn, givenName), both holding the same `gen-ldif.py N` entries, driven
 * by the same script (`ldap-bench.sh`: `eq` = (mail=<random existing address>), `sub` =
 * (cn=dup*) with sizelimit 100) and by `bench/ldap-and-load.ts` (`and3` =
 * (&(objectClass=inetOrgPerson)(sn=…)(givenName=…)) with names of existing addresses), one after
 * the other in one run.
 *
 * env: BENCH_LDAP_ENTRIES=200000 BENCH_LDAP_SECONDS=5 BENCH_LDAP_RUNS=1 BENCH_LDAP_CONNS=16
 *      BENCH_LDAP_DRIVER=node (ldapts, persistent connections) | ldapsearch  BENCH_LDAP_PEER=1
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, hasCommand, run, startDaemon } from './procs.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.BENCH_SHARED ?? path.join(HERE, '..', '..', 'shared', 'bench'));
const LDAP_DIR = path.join(SHARED, 'ldap');
const N = Number(process.env.BENCH_LDAP_ENTRIES ?? 200_000);
const WITH_PEER = process.env.BENCH_LDAP_PEER !== '0';
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let mailsFile: string | undefined;
const driverEnv = (): NodeJS.ProcessEnv => ({
  ...(mailsFile ? { MAILS: mailsFile } : {}),
  NODE_BIN: process.execPath,
  N: String(N),
  DURATION: process.env.BENCH_LDAP_SECONDS ?? '5',
  RUNS: process.env.BENCH_LDAP_RUNS ?? '1',
  CONNS: process.env.BENCH_LDAP_CONNS ?? '16',
  DRIVER: process.env.BENCH_LDAP_DRIVER ?? 'node',
  // The shared node driver runs on the node found first on PATH: ours (Node 24).
  PATH: `${path.dirname(process.execPath)}:${process.env.PATH}:/usr/sbin`,
});

/** `median` lines of ldap-bench.sh: kind in column 2, searches/s in column 6, errors in column 10. */
function medians(stdout: string): Map<string, { rate: number; errors: number }> {
  const out = new Map<string, { rate: number; errors: number }>();
  for (const line of stdout.split('\n')) {
    const c = line.split('\t');
    if (c[0] === 'median' && c[1]) out.set(c[1], { rate: Number(c[5]), errors: Number(c[9]) });
    // bench/ldap-and-load.ts: kind, conns, seconds, searches, searches/s, entries, p50, p99, errors.
    if (c[0] === 'and3') out.set('and3', { rate: Number(c[4]), errors: Number(c[8]) });
  }
  return out;
}

async function ensureSlapd(): Promise<string | null> {
  process.env.PATH = `${process.env.PATH}:/usr/sbin`;
  if (hasCommand('slapd') && hasCommand('slapadd')) return null;
  if (process.getuid?.() !== 0) return 'slapd is not installed and we are not root (run ../shared/bench/install-peers.sh as root)';
  log('ldap bench: slapd missing, running ../shared/bench/install-peers.sh (apt)');
  const r = await run(path.join(SHARED, 'install-peers.sh'), [], { timeoutMs: 600_000 });
  return r.code === 0 && hasCommand('slapd') ? null : `install-peers.sh failed (exit ${r.code})`;
}

export async function runLdapBench(): Promise<string[]> {
  const out = [
    `# ldap: ${N} entries, ldap-bench.sh (${driverEnv().DRIVER} driver, ${driverEnv().CONNS} connections, ${driverEnv().DURATION} s)`,
    'kind\tside\tsearches_per_s\terrors\tratio_vs_slapd',
  ];
  const why = WITH_PEER ? await ensureSlapd() : 'BENCH_LDAP_PEER=0';
  // One set of existing addresses for every driver and both sides.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-ldap-bench-'));
  mailsFile = path.join(tmp, 'mails');
  const mails = await run('python3', [path.join(LDAP_DIR, 'gen-ldif.py'), String(N), '--mails'], { timeoutMs: 300_000 });
  fs.writeFileSync(
    mailsFile,
    mails.stdout
      .split('\n')
      .filter(Boolean)
      .sort(() => Math.random() - 0.5)
      .slice(0, 20_000)
      .join('\n') + '\n',
  );
  const drivers = (port: string): string[] => [
    'bash',
    '-c',
    `bash ${path.join(LDAP_DIR, 'ldap-bench.sh')} 127.0.0.1 ${port} && "$NODE_BIN" ${path.join(HERE, 'ldap-and-load.ts')} 127.0.0.1 ${port}`,
  ];
  let peer = new Map<string, { rate: number; errors: number }>();
  if (!why) {
    log(`ldap bench: slapd with ${N} entries (slapadd first)`);
    const port = await freePort();
    const r = await run('bash', [path.join(LDAP_DIR, 'peer-slapd.sh'), String(port), ...drivers(String(port))], {
      env: driverEnv(),
      timeoutMs: 1_200_000,
    });
    peer = medians(r.stdout);
    if (peer.size === 0) log(`ldap bench: slapd gave no figures (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  } else log(`ldap bench: peer skipped: ${why}`);

  log(`ldap bench: ours with ${N} entries`);
  const server = await startDaemon(
    process.execPath,
    [path.join(HERE, 'ldap-server.ts')],
    { BENCH_LDAP_ENTRIES: String(N) },
    (o) => o.includes('\n'),
    600_000,
    'ldap bench server',
  );
  try {
    const [, port, entries, loadSeconds] = server.stdout().split('\n')[0]!.split('\t');
    const r = await run(drivers(port!)[0]!, drivers(port!).slice(1), { env: driverEnv(), timeoutMs: 600_000 });
    const ours = medians(r.stdout);
    if (ours.size === 0) log(`ldap bench: no figures for ours (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    for (const kind of ['eq', 'sub', 'and3']) {
      const p = peer.get(kind);
      const o = ours.get(kind);
      out.push(`${kind}\tslapd\t${p?.rate ?? '-'}\t${p?.errors ?? '-'}\t1.00`);
      out.push(`${kind}\tours\t${o?.rate ?? '-'}\t${o?.errors ?? '-'}\t${o && p?.rate ? (o.rate / p.rate).toFixed(2) : '-'}`);
    }
    out.push(`load\tours\t${entries} entries indexed in ${loadSeconds} s\t-\t-`);
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
