/**
 * SMTP benchmark, in one run on the same machine:
 *  1. Postfix's `smtp-source` against `smtp-sink` (accept and discard: the client + loopback limit);
 *  2. the same against a private Postfix delivering to Maildir, timed until its queue is empty
 *     (accept **and** delivery);
 *  3. the same against our relay's bench listener (plaintext, no certificate; same delivery path
 *     as the relay: blob fsynced and one SQLite transaction before the 250, local recipient);
 *  4. authenticated submission (STARTTLS + AUTH XOAUTH2 with a PSC token, pipelined) with
 *     `bench/smtp-load.ts`, against our submission listener, and the same driver in plain SMTP
 *     against Postfix (accept + delivery) as the reference.
 * Ratios: ours / Postfix (> 1: faster), and ours / smtp-sink (share of the physical limit).
 * Each measured phase but smtp-sink's is also split by CPU (bench/cpu-split.ts: ours, postgres,
 * driver, peer, the rest of the machine), printed as `cpu` rows after the rates.
 *
 * env: BENCH_SMTP_MESSAGES=2000 BENCH_SMTP_SIZE=20000 BENCH_SMTP_SESSIONS=20 BENCH_SMTP_RUNS=1 BENCH_SMTP_PEER=1
 *      BENCH_WORKERS=1,2 (our listeners as 1 then 2 processes sharing the ports, as `mss serve --workers`)
 *      BENCH_DATABASE=sqlite,postgres (our store: SQLite, and/or a private PostgreSQL cluster, fsync on: bench/postgres.ts)
 *      BENCH_NODES=1,2 (PostgreSQL only: 2 = two listener process trees on one database, the load split between them)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchSetup, benchSetups, split } from './cluster.ts';
import { CPU_HEADER, type CpuRoots, CpuPhases } from './cpu-split.ts';
import { type BenchPostgres, startBenchPostgres } from './postgres.ts';
import { type Daemon, freePort, hasCommand, run, startDaemon } from './procs.ts';
import { smtpLoad } from './smtp-load.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.BENCH_SHARED ?? path.join(HERE, '..', '..', 'shared', 'bench'));
const SMTP_DIR = path.join(SHARED, 'smtp');
const MESSAGES = Number(process.env.BENCH_SMTP_MESSAGES ?? 2000);
const SIZE = Number(process.env.BENCH_SMTP_SIZE ?? 20_000);
const SESSIONS = Number(process.env.BENCH_SMTP_SESSIONS ?? 20);
const RUNS = Number(process.env.BENCH_SMTP_RUNS ?? 1);
const WITH_PEER = process.env.BENCH_SMTP_PEER !== '0';

const ratio = (a: number | null, b: number | null): string => (a !== null && b ? (a / b).toFixed(2) : '-');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sourceEnv = (to: string): NodeJS.ProcessEnv => ({
  MSGS: String(MESSAGES),
  SIZE: String(SIZE),
  SESSIONS: String(SESSIONS),
  RUNS: String(RUNS),
  TO: to,
  PATH: `${process.env.PATH}:/usr/sbin`,
});

/** The `median` line of smtp-source-bench.sh: msgs/s in column 6. */
function median(stdout: string): number | null {
  const line = stdout.split('\n').find((l) => l.startsWith('median\t'));
  const v = line ? Number(line.split('\t')[5]) : NaN;
  return Number.isFinite(v) ? v : null;
}

async function ensurePostfix(): Promise<string | null> {
  const ok = () => hasCommand('postfix') && hasCommand('smtp-source') && hasCommand('smtp-sink');
  process.env.PATH = `${process.env.PATH}:/usr/sbin`;
  if (ok()) return null;
  if (process.getuid?.() !== 0)
    return 'postfix/smtp-source are not installed and we are not root (run ../shared/bench/install-peers.sh as root)';
  log('smtp bench: postfix missing, running ../shared/bench/install-peers.sh (apt)');
  const r = await run(path.join(SHARED, 'install-peers.sh'), [], { timeoutMs: 600_000 });
  return r.code === 0 && ok() ? null : `install-peers.sh failed (exit ${r.code})`;
}

async function peerSource(script: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<number | null> {
  const port = await freePort();
  const r = await run('bash', [path.join(SMTP_DIR, script), String(port), ...args.map((a) => a.replaceAll('PORT', String(port)))], {
    env,
    timeoutMs: 900_000,
  });
  const m = median(r.stdout);
  if (m === null) log(`smtp bench: ${what} gave no median (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return m;
}

/** A private Postfix delivering to Maildir (peer-postfix.sh serving), for the time of `measure`. */
async function withPostfix<T>(measure: (postfix: { port: number; drain: string; roots: () => CpuRoots }) => Promise<T>): Promise<T> {
  const port = await freePort();
  const daemon = await startDaemon(
    'bash',
    [path.join(SMTP_DIR, 'peer-postfix.sh'), String(port)],
    { ...sourceEnv('to@x.test'), MODE: 'maildir', MAX_S: '900' },
    (_o, e) => /serving \(Ctrl-C/.test(e),
    60_000,
    'peer-postfix.sh',
  );
  try {
    const dir = /dir (\/\S+)/.exec(daemon.stderr())?.[1];
    if (!dir) throw new Error(`peer-postfix.sh did not name its dir: ${daemon.stderr().slice(-500)}`);
    const queue = path.join(dir, 'spool');
    // As peer-postfix.sh's PEER_POSTFIX_DRAIN (given only to its CMD): waits, at most 300 s, until no queue file is left.
    const drain = `i=0; while [ -n "$(find ${queue}/maildrop ${queue}/incoming ${queue}/active ${queue}/deferred -type f -print -quit)" ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done`;
    // Postfix's master (daemonized, so not under this process) and its children: smtpd, cleanup, qmgr, trivial-rewrite, virtual…
    const master = Number(fs.readFileSync(path.join(queue, 'pid', 'master.pid'), 'utf8').trim());
    return await measure({ port, drain, roots: () => ({ peer: master > 0 ? [master] : [], driver: [process.pid] }) });
  } finally {
    await daemon.stop();
  }
}

export async function runSmtpBench(): Promise<string[]> {
  const out = [
    '# smtp: Postfix smtp-source, ' + `${MESSAGES} msgs x ${SIZE} B, ${SESSIONS} sessions, ${RUNS} run(s)`,
    'kind\tside\tmsgs_per_s\tratio_vs_postfix\tratio_vs_sink\tnote',
  ];
  const why = WITH_PEER ? await ensurePostfix() : 'BENCH_SMTP_PEER=0';
  // CPU per group during each measured phase (bench/cpu-split.ts); smtp-sink's run is not split.
  const cpu = new CpuPhases();
  let sink: number | null = null;
  let postfix: number | null = null;
  let postfixDriver: number | null = null;
  if (!why) {
    log('smtp bench: smtp-sink');
    sink = await peerSource(
      'peer-smtp-sink.sh',
      ['bash', path.join(SMTP_DIR, 'smtp-source-bench.sh'), '127.0.0.1', 'PORT'],
      sourceEnv('to@x.test'),
      'smtp-sink',
    );
    log('smtp bench: postfix (maildir, until the queue is empty)');
    postfix = await withPostfix(async (pf) => {
      const r = await cpu.measure(
        'smtp-inbound',
        'postfix',
        pf.roots,
        () =>
          run('bash', [path.join(SMTP_DIR, 'smtp-source-bench.sh'), '127.0.0.1', String(pf.port)], {
            env: { ...sourceEnv('to@x.test'), AFTER_RUN: pf.drain },
            timeoutMs: 900_000,
          }),
        (r) => (median(r.stdout) === null ? 0 : MESSAGES * RUNS),
      );
      const m = median(r.stdout);
      if (m === null) log(`smtp bench: postfix gave no median (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return m;
    });
    log('smtp bench: postfix with the node driver (plain SMTP, pipelined; until the queue is empty)');
    postfixDriver = await withPostfix(async (pf) => {
      const script = `t0=$(date +%s.%N); "$NODE_BIN" ${path.join(HERE, 'smtp-load.ts')} ${pf.port} >/dev/null || exit 1; eval "$PEER_POSTFIX_DRAIN"; t1=$(date +%s.%N); awk -v a=$t0 -v b=$t1 -v n=${MESSAGES} 'BEGIN{printf "median\\t-\\t-\\t-\\t-\\t%.1f\\n", n/(b-a)}'`;
      const r = await cpu.measure(
        'smtp-submission',
        'postfix-plain',
        pf.roots,
        () =>
          run('bash', ['-c', script], {
            env: { ...sourceEnv('to@x.test'), NODE_BIN: process.execPath, BENCH_LOAD_TO: 'to@x.test', PEER_POSTFIX_DRAIN: pf.drain },
            timeoutMs: 900_000,
          }),
        (r) => (median(r.stdout) === null ? 0 : MESSAGES),
      );
      return median(r.stdout);
    });
  } else log(`smtp bench: peers skipped: ${why}`);

  out.push(`inbound\tsmtp-sink\t${sink ?? '-'}\t-\t1.00\taccept and discard`);
  out.push(`inbound\tpostfix\t${postfix ?? '-'}\t1.00\t${ratio(postfix, sink)}\tMaildir, timed until the queue is empty`);
  out.push(`submission\tpostfix-plain\t${postfixDriver ?? '-'}\t1.00\t-\tsame driver, no TLS, no AUTH, until the queue is empty`);
  // Our side once per setup (BENCH_DATABASE × BENCH_NODES × BENCH_WORKERS), each against the same peers.
  const setups = benchSetups();
  const pg = setups.some((s) => s.engine === 'postgres') ? await startBenchPostgres() : null;
  if (pg) out.splice(1, 0, `# PostgreSQL ${pg.version}, private cluster on loopback, fsync on`);
  try {
    for (const [i, setup] of setups.entries()) {
      const databaseUrl = pg && setup.engine === 'postgres' ? pg.createDatabase(`bench_smtp_${i}`) : undefined;
      out.push(...(await oursSmtp(setup, databaseUrl, pg, cpu, postfix, sink, postfixDriver)));
    }
  } finally {
    pg?.stop();
  }
  if (cpu.rows.length > 0)
    out.push(
      '# smtp cpu split: CPU seconds per group during each measured phase, share of all cores, µs per message',
      CPU_HEADER,
      ...cpu.rows,
    );
  return out;
}

/** One node of our side (a listener process tree): its ready line's fields. */
interface Node {
  daemon: Daemon;
  relayPort: string;
  submissionPort: string;
  token: string;
  caFile: string;
  dir: string;
  user: string;
}

async function startNode(setup: BenchSetup, databaseUrl: string | undefined, joinDir: string | undefined): Promise<Node> {
  const daemon = await startDaemon(
    process.execPath,
    [path.join(HERE, 'smtp-server.ts')],
    { BENCH_LISTENER_WORKERS: String(setup.workers), BENCH_DATABASE_URL: databaseUrl ?? '', BENCH_JOIN_DIR: joinDir ?? '' },
    (o) => o.includes('\n'),
    300_000,
    'smtp bench server',
  );
  const [, relayPort, submissionPort, token, caFile, dir, user] = daemon.stdout().split('\n')[0]!.split('\t');
  return { daemon, relayPort: relayPort!, submissionPort: submissionPort!, token: token!, caFile: caFile!, dir: dir!, user: user! };
}

/**
 * smtp-source against every node at once, the messages and sessions split between them; msgs/s
 * of each run = all its messages / the wall time until the last source is done; median of RUNS.
 * With one node: smtp-source-bench.sh's own figure, as before.
 */
async function inbound(nodes: Node[]): Promise<number | null> {
  if (!hasCommand('smtp-source')) return null;
  const script = path.join(SMTP_DIR, 'smtp-source-bench.sh');
  if (nodes.length === 1) {
    const r = await run('bash', [script, '127.0.0.1', nodes[0]!.relayPort], { env: sourceEnv(nodes[0]!.user), timeoutMs: 900_000 });
    const m = median(r.stdout);
    if (m === null) log(`smtp bench: smtp-source failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return m;
  }
  const messages = split(MESSAGES, nodes.length);
  const sessions = split(SESSIONS, nodes.length);
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const runs = await Promise.all(
      nodes.map((n, i) =>
        run('bash', [script, '127.0.0.1', n.relayPort], {
          env: { ...sourceEnv(n.user), MSGS: String(messages[i]), SESSIONS: String(sessions[i]), RUNS: '1' },
          timeoutMs: 900_000,
        }),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    const failed = runs.find((x) => median(x.stdout) === null);
    if (failed) {
      log(`smtp bench: smtp-source failed (exit ${failed.code}): ${failed.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return null;
    }
    rates.push(MESSAGES / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1]!;
}

/** The submission driver against every node at once, split likewise; accepted messages / wall time. */
async function submission(nodes: Node[], token: string, ca: string): Promise<{ perSecond: number; accepted: number; errors: number }> {
  const messages = split(MESSAGES, nodes.length);
  const sessions = split(SESSIONS, nodes.length);
  const t0 = performance.now();
  const results = await Promise.all(
    nodes.map((n, i) =>
      smtpLoad({
        port: Number(n.submissionPort),
        messages: messages[i]!,
        sessions: sessions[i]!,
        size: SIZE,
        from: n.user,
        to: n.user,
        tls: { ca },
        auth: { user: n.user, token },
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const accepted = results.reduce((a, r) => a + r.accepted, 0);
  const errors = results.reduce((a, r) => a + r.errors, 0);
  return { perSecond: nodes.length === 1 ? results[0]!.perSecond : accepted / seconds, accepted, errors };
}

/** Our rows for one setup: inbound, submission and the delivery check. */
async function oursSmtp(
  setup: BenchSetup,
  databaseUrl: string | undefined,
  pg: BenchPostgres | null,
  cpu: CpuPhases,
  postfix: number | null,
  sink: number | null,
  postfixDriver: number | null,
): Promise<string[]> {
  const nodes: Node[] = [];
  try {
    nodes.push(await startNode(setup, databaseUrl, undefined));
    // Further nodes join the first one's database and blob directory, each with its own ports and processes.
    for (let i = 1; i < setup.nodes; i++) nodes.push(await startNode(setup, databaseUrl, nodes[0]!.dir));
    const first = nodes[0]!;
    // Our listeners (primaries and workers), the PostgreSQL cluster (its backends), this process and its drivers.
    const roots = (): CpuRoots => ({
      ours: nodes.map((n) => n.daemon.child.pid!),
      postgres: databaseUrl && pg ? [pg.pid()] : [],
      driver: [process.pid],
    });
    const side = `ours (${setup.label})`;
    log(`smtp bench: ours, ${setup.label} (relay bench listener)`);
    const ours = await cpu.measure(
      'smtp-inbound',
      side,
      roots,
      () => inbound(nodes),
      (m) => (m === null ? 0 : MESSAGES * RUNS),
    );
    log(`smtp bench: ours, ${setup.label} (submission, STARTTLS + XOAUTH2, node driver)`);
    const ca = fs.readFileSync(first.caFile, 'utf8');
    const sub = await cpu.measure(
      'smtp-submission',
      side,
      roots,
      () => submission(nodes, first.token, ca),
      (r) => r.accepted,
    );
    // The first node counts the INBOX when it stops: the others first, so that all have finished.
    for (const n of nodes.slice(1)) await n.daemon.stop();
    await first.daemon.stop();
    const delivered = Number(/delivered\t(\d+)/.exec(first.daemon.stdout())?.[1] ?? NaN);
    const expected = (ours === null ? 0 : MESSAGES * RUNS) + sub.accepted;
    if (ours === null || delivered !== expected || sub.errors > 0)
      for (const [i, n] of nodes.entries())
        log(`smtp bench: node ${i + 1}'s stderr:\n${n.daemon.stderr().trim().split('\n').slice(-20).join('\n')}`);
    const commit = setup.engine === 'sqlite' ? 'SQLite commit' : 'PostgreSQL commit';
    return [
      `inbound\tours (${setup.label})\t${ours?.toFixed(1) ?? '-'}\t${ratio(ours, postfix)}\t${ratio(ours, sink)}\tdelivered before 250 (fsync + ${commit})`,
      `submission\tours (${setup.label})\t${sub.perSecond.toFixed(1)}\t${ratio(sub.perSecond, postfixDriver)}\t-\tSTARTTLS + XOAUTH2, ${sub.errors} errors`,
      `check\tours (${setup.label})\tdelivered=${delivered}\texpected=${expected}\t-\t${delivered === expected ? 'ok' : 'MISMATCH'}`,
    ];
  } finally {
    for (const n of nodes.reverse()) await n.daemon.stop();
  }
}

// `node bench/smtp-load.ts PORT` is how the Postfix side runs the driver: see smtp-load.ts.
