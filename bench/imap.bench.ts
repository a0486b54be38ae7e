/**
 * IMAP benchmark: our bench listener (`bench/imap-server.ts`, a child process on a fresh SQLite
 * store) against a private Dovecot (`../shared/bench/imap/peer-dovecot.sh`), with the same
 * scripts and parameters on both, back to back: `imap-seed.py` puts the same N messages into
 * INBOX; right after, 1,000 idle sessions (LOGIN + SELECT INBOX each) are opened and the growth
 * of the server's resident memory is measured; then `imap-load.py` (imap-bench.sh's python load driver) and
 * `bench/imap-load-extra.py` measure ops/s per command kind, and the ratio is ours / Dovecot's
 * median (> 1: we are faster). Everything on loopback, bounded in time, temp dirs removed.
 * The seeding and each command kind (from the end of the kind before, as each driver prints it) are split by CPU
 * (bench/cpu-split.ts: ours, postgres, driver, peer, the rest of the machine), printed as `cpu`
 * rows after the rates.
 *
 * env: BENCH_IMAP_MESSAGES=10000  BENCH_IMAP_SESSIONS=8  BENCH_IMAP_SECONDS=3  BENCH_IMAP_RUNS=1
 *      BENCH_IMAP_COMMANDS=login,select,fetch,fetchenv,append  BENCH_IMAP_SEED_CONNS=16
 *      BENCH_IMAP_EXTRA=search-unseen,search-from,store,append-nodelay (bench/imap-load-extra.py; "" = none)
 *      BENCH_IMAP_IDLE_SESSIONS=1000  BENCH_IMAP_PEER=1 (0: ours only)  BENCH_IMAP_KEEP_RAW=dir
 *      (copies the raw driver outputs there)
 *      BENCH_WORKERS=1,2  BENCH_DATABASE=sqlite,postgres  BENCH_NODES=1,2 (PostgreSQL only): our setups, see bench/cluster.ts;
 *      with two nodes every driver (seed, idle sessions, load) is split between them and their rates added up
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchSetup, benchSetups, split } from './cluster.ts';
import { CPU_HEADER, type CpuRoots, CpuPhases, KindBoundaries } from './cpu-split.ts';
import { type BenchPostgres, startBenchPostgres } from './postgres.ts';
import { freePort, hasCommand, python3, run, startDaemon } from './procs.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.BENCH_SHARED ?? path.join(HERE, '..', '..', 'shared', 'bench'));
const IMAP_DIR = path.join(SHARED, 'imap');
const HOST = '127.0.0.1';
const PASSWORD = 'bench';
/** The demo PER mailbox `bench/imap-server.ts` serves (seedDemo); Dovecot accepts any user name. */
const USER = 'paul.martin@operateur-a.mssante.fr';

const N = Number(process.env.BENCH_IMAP_MESSAGES ?? 10_000);
const SESSIONS = Number(process.env.BENCH_IMAP_SESSIONS ?? 8);
const SECONDS = Number(process.env.BENCH_IMAP_SECONDS ?? 3);
const RUNS = Number(process.env.BENCH_IMAP_RUNS ?? 1);
const COMMANDS = process.env.BENCH_IMAP_COMMANDS ?? 'login,select,fetch,fetchenv,append';
/** Measured by bench/imap-load-extra.py (same method as the shared driver): SEARCH, STORE, APPEND with TCP_NODELAY. */
const EXTRA = process.env.BENCH_IMAP_EXTRA ?? 'search-unseen,search-from,store,append-nodelay';
const SEED_CONNS = Number(process.env.BENCH_IMAP_SEED_CONNS ?? 16);
const SEED_SIZE = 4000;
const IDLE = Number(process.env.BENCH_IMAP_IDLE_SESSIONS ?? 1000);
const WITH_PEER = process.env.BENCH_IMAP_PEER !== '0';
const KEEP_RAW = process.env.BENCH_IMAP_KEEP_RAW;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Dovecot on PATH, installing the peers with the shared (idempotent, apt-only) script if we are root. */
async function ensureDovecot(): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  if (!hasCommand('dovecot')) {
    if (process.getuid?.() !== 0)
      return { ok: false, why: 'dovecot is not installed and we are not root (run ../shared/bench/install-peers.sh as root)' };
    log('imap bench: dovecot missing, running ../shared/bench/install-peers.sh (apt)');
    const r = await run(path.join(SHARED, 'install-peers.sh'), [], { timeoutMs: 600_000 });
    if (r.code !== 0)
      return { ok: false, why: `install-peers.sh failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
    if (!hasCommand('dovecot')) return { ok: false, why: 'install-peers.sh ran but dovecot is still not on PATH' };
  }
  const v = spawnSync('dovecot', ['--version'], { encoding: 'utf8' });
  return { ok: true, version: (v.stdout ?? '').trim().split(' ')[0] ?? '?' };
}

// --- load scripts ---------------------------------------------------------------------------------

interface Median {
  rate: number;
  errors: number;
}

/** What a driver reports: the median rate per command, the operations done per command (every run, every node), its raw output. */
interface DriverResult {
  medians: Map<string, Median>;
  ops: Map<string, number>;
  raw: string;
}

interface SideResult {
  seed: { appended: number; seconds: number; rate: number } | null;
  medians: Map<string, Median>;
  raw: string;
  rss: RssResult | null;
  /** INBOX's EXISTS seen through each node right after seeding (every node must see every message). */
  inbox: number[];
  notes: string[];
  /** The CPU split of each measured phase (seed, each command), rows of bench/cpu-split.ts. */
  cpu: string[];
}

async function seedOne(port: number, user: string, n: number, conns: number): Promise<NonNullable<SideResult['seed']>> {
  const r = await run(
    python3(),
    [path.join(IMAP_DIR, 'imap-seed.py'), HOST, String(port), user, PASSWORD, String(n), 'INBOX', String(SEED_SIZE), String(conns)],
    {
      timeoutMs: 900_000,
    },
  );
  if (r.code !== 0) throw new Error(`imap-seed.py failed (${r.code}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  const line = r.stdout.trim().split('\n').at(-1)!.split('\t');
  return { appended: Number(line[1]), seconds: Number(line[2]), rate: Number(line[3]) };
}

/** imap-seed.py against every node at once, N and the connections split; appends/s = all appended / the longest time. */
async function seed(ports: number[], user: string): Promise<SideResult['seed']> {
  const counts = split(N, ports.length);
  const conns = split(SEED_CONNS, ports.length);
  const parts = await Promise.all(ports.map((port, i) => seedOne(port, user, counts[i]!, Math.max(1, conns[i]!))));
  const appended = parts.reduce((a, p) => a + p.appended, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  return { appended, seconds, rate: appended / seconds };
}

/** Per kind, the rates of drivers that ran at once against different nodes added up, their errors and operations too. */
function addResults(all: DriverResult[], raw: string): DriverResult {
  const medians = new Map<string, Median>();
  const ops = new Map<string, number>();
  for (const { medians: m, ops: o } of all) {
    for (const [k, v] of m) {
      const s = medians.get(k);
      medians.set(k, { rate: Math.round(((s?.rate ?? 0) + v.rate) * 10) / 10, errors: (s?.errors ?? 0) + v.errors });
    }
    for (const [k, n] of o) ops.set(k, (ops.get(k) ?? 0) + n);
  }
  // A kind one driver did not report has no total.
  for (const k of medians.keys()) if (all.some((r) => !r.medians.has(k))) medians.delete(k);
  return { medians, ops, raw };
}

/**
 * A driver against every node at once, the sessions split between them (the load of one driver
 * against one node otherwise); rates added up per kind (both drivers run the same commands for
 * the same seconds, started together).
 */
async function acrossNodes(
  ports: number[],
  user: string,
  driver: (port: number, user: string, sessions: number) => Promise<DriverResult>,
): Promise<DriverResult> {
  const sessions = split(SESSIONS, ports.length);
  const parts = await Promise.all(ports.map((port, i) => driver(port, user, Math.max(1, sessions[i]!))));
  return addResults(parts, parts.map((p, i) => (ports.length > 1 ? `# node ${i + 1}\n${p.raw}` : p.raw)).join(''));
}

/**
 * A Python load driver, RUNS times with `commands` (comma-separated): the shared imap-load.py
 * (what imap-bench.sh runs, run here without that wrapper so that each kind's line is read as it
 * comes) or bench/imap-load-extra.py (the same method and output). The median rate per kind over
 * the runs, as imap-bench.sh computes it; the operations and errors added up. Each kind's line
 * marks the end of its phase for the CPU split (`bounds`).
 */
async function pythonDriver(
  script: string,
  port: number,
  user: string,
  sessions: number,
  commands: string,
  bounds: KindBoundaries,
): Promise<DriverResult> {
  const rates = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const ops = new Map<string, number>();
  let raw = '';
  for (let r = 1; r <= RUNS; r++) {
    const args = [HOST, String(port), user, PASSWORD, '-s', String(sessions), '-t', String(SECONDS), '-m', 'INBOX', '-c', commands];
    const res = await run(python3(), ['-u', script, ...args, '--no-header'], {
      timeoutMs: (SECONDS * 6 + 130) * 1000,
      onLine: (line) => {
        // cmd, sessions, seconds, ops, ops_per_s, p50, p99, errors
        const c = line.split('\t');
        if (c.length < 8) return;
        bounds.finished(c[0]!, r);
        rates.set(c[0]!, [...(rates.get(c[0]!) ?? []), Number(c[4])]);
        errors.set(c[0]!, (errors.get(c[0]!) ?? 0) + Number(c[7]));
        ops.set(c[0]!, (ops.get(c[0]!) ?? 0) + Number(c[3]));
      },
    });
    raw += res.stdout.replace(/^(?=.)/gm, `${r}\t`) + (res.stderr ? `# stderr\n${res.stderr}` : '');
    if (res.code !== 0)
      log(`imap bench: ${path.basename(script)} exited ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    for (const e of res.stderr.split('\n').filter((l) => l.startsWith('# first error'))) log(`imap bench: ${e.slice(2)}`);
  }
  const medians = new Map<string, Median>();
  for (const [k, v] of rates) {
    const sorted = [...v].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    medians.set(k, { rate: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, errors: errors.get(k) ?? 0 });
  }
  return { medians, ops, raw };
}

// --- resident memory with idle sessions ------------------------------------------------------------

interface Mem {
  rssKiB: number;
  pssKiB: number;
  processes: number;
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** pid and all its descendants (from /proc/<pid>/stat's ppid). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

function memoryOf(pids: number[]): Mem {
  let rssKiB = 0;
  let pssKiB = 0;
  let processes = 0;
  for (const p of pids) {
    const r = statusField(p, 'VmRSS');
    if (r === 0) continue; // kernel threads / gone
    rssKiB += r;
    pssKiB += pss(p);
    processes++;
  }
  return { rssKiB, pssKiB, processes };
}

interface RssResult {
  sessions: number;
  failed: number;
  before: Mem;
  after: Mem;
  seconds: number;
}

/** One idle session: greeting, LOGIN, SELECT INBOX, then nothing. Resolves with the open socket. */
function idleSession(port: number, user: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port });
    s.setNoDelay(true);
    let buf = '';
    let step = 0;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`idle session: no answer at step ${step}: ${JSON.stringify(buf.slice(-200))}`));
    }, timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(why));
    };
    s.on('error', (err) => fail(`idle session: ${err.message}`));
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (step === 0 && buf.includes('\r\n')) {
        if (!buf.startsWith('* OK')) return fail(`idle session: greeting ${JSON.stringify(buf.slice(0, 200))}`);
        step = 1;
        buf = '';
        s.write(`a LOGIN ${quote(user)} ${quote(PASSWORD)}\r\n`);
      } else if (step === 1 && /^a (OK|NO|BAD)/m.test(buf)) {
        if (!/^a OK/m.test(buf)) return fail(`idle session: LOGIN ${JSON.stringify(buf.slice(-200))}`);
        step = 2;
        buf = '';
        s.write('b SELECT INBOX\r\n');
      } else if (step === 2 && /^b (OK|NO|BAD)/m.test(buf)) {
        if (!/^b OK/m.test(buf)) return fail(`idle session: SELECT ${JSON.stringify(buf.slice(-200))}`);
        step = 3;
        buf = '';
        clearTimeout(timer);
        s.on('data', () => {}); // untagged updates, if any, are dropped
        resolve(s);
      }
    });
  });
}

/** INBOX's message count as a fresh session on `port` sees it (SELECT's EXISTS, RFC 3501 §7.3.1). */
async function inboxExists(port: number, user: string): Promise<number> {
  const s = net.connect({ host: HOST, port });
  s.setNoDelay(true);
  let buf = '';
  const wait = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within 60 s`)), 60_000);
      const check = () => {
        if (!re.test(buf)) return;
        clearTimeout(timer);
        s.off('data', onData);
        resolve(buf);
      };
      const onData = (d: Buffer) => {
        buf += d.toString('latin1');
        check();
      };
      s.on('data', onData);
      s.once('error', reject);
      check();
    });
  try {
    await wait(/^\* OK/m);
    s.write(`a LOGIN ${quote(user)} ${quote(PASSWORD)}\r\n`);
    await wait(/^a (OK|NO|BAD)/m);
    s.write('b SELECT INBOX\r\n');
    const out = await wait(/^b (OK|NO|BAD)/m);
    s.write('c LOGOUT\r\n');
    return Number(/^\* (\d+) EXISTS/m.exec(out)?.[1] ?? NaN);
  } finally {
    s.destroy();
  }
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Opens IDLE sessions (50 at a time, spread over the nodes' ports), measures memory of `pids()` before and after, closes them. */
async function idleRss(ports: number[], user: string, pids: () => number[]): Promise<RssResult> {
  await settle(1000);
  const before = memoryOf(pids());
  const sockets: net.Socket[] = [];
  let failed = 0;
  const errors = new Map<string, number>();
  const t = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < IDLE) {
      // With several nodes, the sessions go to each in turn.
      const port = ports[next % ports.length]!;
      next++;
      try {
        sockets.push(await idleSession(port, user, 30_000));
      } catch (err) {
        failed++;
        const k = (err as Error).message.slice(0, 160);
        errors.set(k, (errors.get(k) ?? 0) + 1);
      }
    }
  };
  let deadlineTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((r) => {
    deadlineTimer = setTimeout(() => r('deadline'), 240_000);
  });
  const done = await Promise.race([Promise.all(Array.from({ length: 50 }, worker)).then(() => 'done' as const), deadline]);
  clearTimeout(deadlineTimer);
  next = IDLE; // on the deadline, stop the workers from opening more
  const seconds = (performance.now() - t) / 1000;
  if (done === 'deadline') log('imap bench: idle sessions: gave up opening after 240 s');
  await settle(2000);
  const after = memoryOf(pids());
  for (const [k, n] of errors) log(`imap bench: idle sessions: ${n} x ${k}`);
  for (const s of sockets) s.destroy();
  await settle(1000);
  return { sessions: sockets.length, failed, before, after, seconds };
}

// --- the two sides ----------------------------------------------------------------------------------

/**
 * One side: seeding, the idle sessions' memory, then the command kinds, each with the CPU split of
 * `roots`' groups (bench/cpu-split.ts).
 */
async function side(name: string, ports: number[], user: string, pids: () => number[], roots: () => CpuRoots): Promise<SideResult> {
  const res: SideResult = { seed: null, medians: new Map(), raw: '', rss: null, inbox: [], notes: [], cpu: [] };
  const cpu = new CpuPhases();
  log(`imap bench: ${name}: seeding ${N} x ${SEED_SIZE} B into INBOX (${SEED_CONNS} connections)`);
  res.seed = await cpu.measure(
    'imap-seed',
    name,
    roots,
    () => seed(ports, user),
    (s) => s?.appended ?? 0,
  );
  log(`  ${name}: seeded in ${res.seed!.seconds.toFixed(1)} s (${res.seed!.rate.toFixed(1)} appends/s)`);
  for (const port of ports) res.inbox.push(await inboxExists(port, user).catch(() => NaN));
  // Idle sessions right after seeding (before the load), so that "before" is not a heap the
  // load already grew: the growth measured is the sessions'.
  if (IDLE > 0) {
    log(`imap bench: ${name}: ${IDLE} idle sessions (LOGIN + SELECT INBOX)`);
    res.rss = await idleRss(ports, user, pids);
    const r = res.rss;
    log(
      `  ${name}: ${r.sessions} open (${r.failed} failed) in ${r.seconds.toFixed(1)} s; RSS ${r.before.rssKiB} -> ${r.after.rssKiB} KiB over ${r.after.processes} process(es)`,
    );
  }
  log(`imap bench: ${name}: imap-load.py SESSIONS=${SESSIONS} SECONDS_PER_CMD=${SECONDS} RUNS=${RUNS} COMMANDS=${COMMANDS}`);
  const drivers: [string, string, string][] = [
    [path.join(IMAP_DIR, 'imap-load.py'), COMMANDS, ''],
    [path.join(HERE, 'imap-load-extra.py'), EXTRA, '# bench/imap-load-extra.py\n'],
  ];
  for (const [script, commands, heading] of drivers) {
    const kinds = commands.split(',').filter(Boolean);
    if (kinds.length === 0) continue;
    if (heading) log(`imap bench: ${name}: bench/imap-load-extra.py ${commands}`);
    // One driver run per node with every kind in turn, as before; each kind's CPU from the end of the one before.
    const bounds = new KindBoundaries(ports.length, roots());
    const x = await acrossNodes(ports, user, (port, u, sessions) => pythonDriver(script, port, u, sessions, commands, bounds));
    for (const [k, m] of x.medians) res.medians.set(k, m);
    res.raw += heading + x.raw;
    for (const kind of kinds) {
      const m = x.medians.get(kind);
      if (m) log(`  ${name}: ${kind} ${m.rate} ops/s${m.errors ? `, ${m.errors} ERRORS` : ''}`);
      const split = bounds.splits.get(kind);
      if (split) cpu.add(`imap-${kind}`, name, split, x.ops.get(kind) ?? 0);
    }
  }
  if (KEEP_RAW) {
    fs.mkdirSync(KEEP_RAW, { recursive: true });
    fs.writeFileSync(path.join(KEEP_RAW, `imap-${name}.tsv`), res.raw);
  }
  res.cpu = cpu.rows;
  return res;
}

async function dovecotSide(): Promise<SideResult | { skipped: string }> {
  const dv = await ensureDovecot();
  if (!dv.ok) return { skipped: dv.why };
  const port = await freePort();
  // Serve mode (no CMD): the script stops Dovecot and removes its temp dir on SIGTERM.
  const peer = await startDaemon(
    path.join(IMAP_DIR, 'peer-dovecot.sh'),
    [String(port)],
    { MAX_S: '900', PASS: PASSWORD },
    (_o, e) => /serving \(Ctrl-C/.test(e),
    60_000,
    'peer-dovecot.sh',
  );
  const dir = /dir (\/\S+)/.exec(peer.stderr())?.[1];
  const masterPid = () => (dir ? Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim()) : 0);
  try {
    log(`imap bench: dovecot ${dv.version} on ${HOST}:${port} (${dir})`);
    const r = await side(
      'dovecot',
      [port],
      USER,
      () => (masterPid() ? processTree(masterPid()) : []),
      () => ({ peer: masterPid() ? [masterPid()] : [], driver: [process.pid] }),
    );
    r.notes.push(`dovecot ${dv.version}`);
    return r;
  } finally {
    await peer.stop();
  }
}

/** One node of our side: bench/imap-server.ts (and its workers), started and ready. */
async function startNode(setup: BenchSetup, databaseUrl: string | undefined, joinDir: string | undefined) {
  const port = await freePort();
  const server = await startDaemon(
    process.execPath,
    [path.join(HERE, 'imap-server.ts'), String(port)],
    {
      BENCH_IMAP_MAX_S: '900',
      BENCH_IMAP_PASSWORD: PASSWORD,
      BENCH_LISTENER_WORKERS: String(setup.workers),
      BENCH_DATABASE_URL: databaseUrl ?? '',
      BENCH_JOIN_DIR: joinDir ?? '',
    },
    (o) => o.includes('ready\t'),
    300_000,
    'bench/imap-server.ts',
  );
  const ready = /^ready\t\S+\t(\S+)\t\S*\t\d+\t(\S+)/m.exec(server.stdout());
  return { server, port, user: ready?.[1] ?? USER, dir: ready?.[2] ?? '' };
}

async function oursSide(setup: BenchSetup, databaseUrl: string | undefined, pg: BenchPostgres | null): Promise<SideResult> {
  const nodes: Awaited<ReturnType<typeof startNode>>[] = [];
  try {
    nodes.push(await startNode(setup, databaseUrl, undefined));
    // Further nodes join the first one's database and blob directory, each its own port and processes.
    for (let i = 1; i < setup.nodes; i++) nodes.push(await startNode(setup, databaseUrl, nodes[0]!.dir));
    const user = nodes[0]!.user;
    const ports = nodes.map((n) => n.port);
    log(`imap bench: ours (bench listener, ${setup.label}) on ${HOST}:${ports.join(',')}, user ${user}`);
    // The memory is that of every node's process tree (the primary and its workers, if any).
    const r = await side(
      `mss-${setup.tag}`,
      ports,
      user,
      () => nodes.flatMap((n) => processTree(n.server.child.pid!)),
      // Our listeners (primaries and workers), the PostgreSQL cluster (its backends), this process and its drivers.
      () => ({ ours: nodes.map((n) => n.server.child.pid!), postgres: databaseUrl && pg ? [pg.pid()] : [], driver: [process.pid] }),
    );
    for (const [i, n] of nodes.entries()) {
      const errs = n.server.stderr().trim();
      if (errs) log(`imap bench: our server's stderr (node ${i + 1}):\n${errs.split('\n').slice(-20).join('\n')}`);
    }
    return r;
  } finally {
    for (const n of nodes.reverse()) await n.server.stop();
  }
}

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

export async function runImapBench(): Promise<string[]> {
  log(
    `imap bench: ${N} messages, ${SESSIONS} sessions, ${SECONDS} s per command, ${RUNS} run(s), ${IDLE} idle sessions; scripts in ${IMAP_DIR}`,
  );
  const lines: string[] = [];
  let peer: SideResult | null = null;
  if (WITH_PEER) {
    const p = await dovecotSide().catch((err: unknown) => ({
      skipped: `Dovecot run failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    }));
    if ('skipped' in p) {
      const msg = `imap bench: DOVECOT NOT AVAILABLE (${p.skipped}); measuring ours only, ratios "-"`;
      log(msg);
      lines.push(`# ${msg}`);
    } else {
      peer = p;
    }
  } else {
    lines.push('# imap bench: BENCH_IMAP_PEER=0, ours only');
  }
  // The CPU split of every measured phase (bench/cpu-split.ts), printed after the rates: Dovecot's, then each setup's.
  const cpu: string[] = [...(peer?.cpu ?? [])];
  // Our side once per setup (BENCH_DATABASE × BENCH_NODES × BENCH_WORKERS), each against the same Dovecot figures.
  const setups = benchSetups();
  const pg = setups.some((s) => s.engine === 'postgres') ? await startBenchPostgres() : null;
  if (pg) lines.push(`# imap bench: PostgreSQL ${pg.version}, private cluster on loopback, fsync on`);
  try {
    for (const [i, setup] of setups.entries()) {
      const databaseUrl = pg && setup.engine === 'postgres' ? pg.createDatabase(`bench_imap_${i}`) : undefined;
      const ours = await oursSide(setup, databaseUrl, pg);
      lines.push(...oursLines(setup.tag, ours, peer));
      cpu.push(...ours.cpu);
    }
  } finally {
    pg?.stop();
  }
  if (cpu.length > 0)
    lines.push(
      '# imap cpu split: CPU seconds per group during each measured phase, share of all cores, µs per command',
      CPU_HEADER,
      ...cpu,
    );
  return lines;
}

/** The TSV rows of one measurement of our side (setup tag `w`: `sqlite-1w`, `pg-2n-1w`) against the peer's. */
function oursLines(w: string, ours: SideResult, peer: SideResult | null): string[] {
  const lines: string[] = [];

  lines.push(
    [
      'imap',
      'kind',
      'sessions',
      'seconds_x_runs',
      'mss_ops_per_s',
      'dovecot_ops_per_s',
      'ratio_vs_peer',
      'mss_errors',
      'dovecot_errors',
      'mss_setup',
    ].join('\t'),
  );
  const seedRatio = peer?.seed && ours.seed ? (ours.seed.rate / peer.seed.rate).toFixed(2) : '-';
  lines.push(
    [
      'imap',
      `seed-append(${N}x${SEED_SIZE}B)`,
      SEED_CONNS,
      fmt(ours.seed?.seconds, 1),
      fmt(ours.seed?.rate),
      fmt(peer?.seed?.rate),
      seedRatio,
      0,
      peer ? 0 : '-',
      w,
    ].join('\t'),
  );
  for (const kind of [...COMMANDS.split(','), ...EXTRA.split(',')].filter(Boolean)) {
    const o = ours.medians.get(kind);
    const p = peer?.medians.get(kind);
    const ratio = o && p && p.rate > 0 ? (o.rate / p.rate).toFixed(2) : '-';
    lines.push(
      ['imap', kind, SESSIONS, `${SECONDS}x${RUNS}`, fmt(o?.rate), fmt(p?.rate), ratio, o ? o.errors : '-', p ? p.errors : '-', w].join(
        '\t',
      ),
    );
  }
  // Every message seeded is there, seen from every node.
  const seen = ours.inbox.join(',');
  lines.push(['check', `mss-${w}`, `inbox=${seen}`, `expected=${N}`, ours.inbox.every((n) => n === N) ? 'ok' : 'MISMATCH'].join('\t'));
  if (IDLE > 0) {
    lines.push(
      [
        'imap-rss',
        'server',
        'idle_sessions',
        'failed',
        'processes',
        'rss_before_kib',
        'rss_after_kib',
        'rss_kib_per_session',
        'pss_kib_per_session',
        'mss_over_peer',
      ].join('\t'),
    );
    const per = (r: RssResult, k: 'rssKiB' | 'pssKiB') => (r.sessions ? (r.after[k] - r.before[k]) / r.sessions : NaN);
    const rows: [string, RssResult | null][] = [
      [`mss-${w}`, ours.rss],
      ['dovecot', peer?.rss ?? null],
    ];
    // Per-session growth of PSS (shared pages split between Dovecot's processes; = RSS for our one process).
    const peerPer = peer?.rss ? per(peer.rss, 'pssKiB') : NaN;
    for (const [name, r] of rows) {
      if (!r) continue;
      const mssOverPeer = name.startsWith('mss') && peerPer > 0 ? (per(r, 'pssKiB') / peerPer).toFixed(2) : '-';
      lines.push(
        [
          'imap-rss',
          name,
          r.sessions,
          r.failed,
          r.after.processes,
          r.before.rssKiB,
          r.after.rssKiB,
          fmt(per(r, 'rssKiB')),
          fmt(per(r, 'pssKiB')),
          mssOverPeer,
        ].join('\t'),
      );
    }
  }
  return lines;
}
