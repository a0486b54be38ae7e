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
 *
 * env: BENCH_SMTP_MESSAGES=2000 BENCH_SMTP_SIZE=20000 BENCH_SMTP_SESSIONS=20 BENCH_SMTP_RUNS=1 BENCH_SMTP_PEER=1
 *      BENCH_WORKERS=1,2 (our listeners as 1 then 2 processes sharing the ports, as `mss serve --workers`)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, hasCommand, run, startDaemon } from './procs.ts';
import { benchWorkerCounts } from './cluster.ts';
import { smtpLoad } from './smtp-load.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.BENCH_SHARED ?? path.join(HERE, '..', '..', 'shared', 'bench'));
const SMTP_DIR = path.join(SHARED, 'smtp');
const MESSAGES = Number(process.env.BENCH_SMTP_MESSAGES ?? 2000);
const SIZE = Number(process.env.BENCH_SMTP_SIZE ?? 20_000);
const SESSIONS = Number(process.env.BENCH_SMTP_SESSIONS ?? 20);
const RUNS = Number(process.env.BENCH_SMTP_RUNS ?? 1);
const WITH_PEER = process.env.BENCH_SMTP_PEER !== '0';

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

export async function runSmtpBench(): Promise<string[]> {
  const out = [
    '# smtp: Postfix smtp-source, ' + `${MESSAGES} msgs x ${SIZE} B, ${SESSIONS} sessions, ${RUNS} run(s)`,
    'kind\tside\tmsgs_per_s\tratio_vs_postfix\tratio_vs_sink\tnote',
  ];
  const why = WITH_PEER ? await ensurePostfix() : 'BENCH_SMTP_PEER=0';
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
    postfix = await peerSource(
      'peer-postfix.sh',
      ['bash', '-c', `AFTER_RUN="$PEER_POSTFIX_DRAIN" exec bash ${path.join(SMTP_DIR, 'smtp-source-bench.sh')} 127.0.0.1 PORT`],
      { ...sourceEnv('to@x.test'), MODE: 'maildir' },
      'postfix',
    );
    log('smtp bench: postfix with the node driver (plain SMTP, pipelined; until the queue is empty)');
    const port = await freePort();
    const script = `t0=$(date +%s.%N); "$NODE_BIN" ${path.join(HERE, 'smtp-load.ts')} ${port} >/dev/null || exit 1; eval "$PEER_POSTFIX_DRAIN"; t1=$(date +%s.%N); awk -v a=$t0 -v b=$t1 -v n=${MESSAGES} 'BEGIN{printf "median\\t-\\t-\\t-\\t-\\t%.1f\\n", n/(b-a)}'`;
    const r = await run('bash', [path.join(SMTP_DIR, 'peer-postfix.sh'), String(port), 'bash', '-c', script], {
      env: { ...sourceEnv('to@x.test'), MODE: 'maildir', NODE_BIN: process.execPath, BENCH_LOAD_TO: 'to@x.test' },
      timeoutMs: 900_000,
    });
    postfixDriver = median(r.stdout);
  } else log(`smtp bench: peers skipped: ${why}`);

  const ratio = (a: number | null, b: number | null): string => (a !== null && b ? (a / b).toFixed(2) : '-');
  out.push(`inbound\tsmtp-sink\t${sink ?? '-'}\t-\t1.00\taccept and discard`);
  out.push(`inbound\tpostfix\t${postfix ?? '-'}\t1.00\t${ratio(postfix, sink)}\tMaildir, timed until the queue is empty`);
  out.push(`submission\tpostfix-plain\t${postfixDriver ?? '-'}\t1.00\t-\tsame driver, no TLS, no AUTH, until the queue is empty`);
  // Our side once per worker count (BENCH_WORKERS=1,2: the scaling from one process to two, against the same peers).
  for (const workers of benchWorkerCounts()) {
    const w = `${workers} worker${workers > 1 ? 's' : ''}`;
    const server = await startDaemon(
      process.execPath,
      [path.join(HERE, 'smtp-server.ts')],
      { BENCH_LISTENER_WORKERS: String(workers) },
      (o) => o.includes('\n'),
      120_000,
      'smtp bench server',
    );
    try {
      const [, relayPort, submissionPort, token, caFile, , user] = server.stdout().split('\n')[0]!.split('\t');
      log(`smtp bench: ours, ${w} (relay bench listener)`);
      const ours = hasCommand('smtp-source')
        ? median(
            (
              await run('bash', [path.join(SMTP_DIR, 'smtp-source-bench.sh'), '127.0.0.1', relayPort!], {
                env: sourceEnv(user!),
                timeoutMs: 900_000,
              })
            ).stdout,
          )
        : null;
      log(`smtp bench: ours, ${w} (submission, STARTTLS + XOAUTH2, node driver)`);
      const ca = await import('node:fs').then((fs) => fs.readFileSync(caFile!, 'utf8'));
      const sub = await smtpLoad({
        port: Number(submissionPort),
        messages: MESSAGES,
        sessions: SESSIONS,
        size: SIZE,
        from: user!,
        to: user!,
        tls: { ca },
        auth: { user: user!, token: token! },
      });
      await server.stop();
      const delivered = Number(/delivered\t(\d+)/.exec(server.stdout())?.[1] ?? NaN);
      const expected = (ours === null ? 0 : MESSAGES * RUNS) + sub.accepted;
      out.push(
        `inbound\tours (${w})\t${ours ?? '-'}\t${ratio(ours, postfix)}\t${ratio(ours, sink)}\tdelivered before 250 (fsync + SQLite commit)`,
      );
      out.push(
        `submission\tours (${w})\t${sub.perSecond.toFixed(1)}\t${ratio(sub.perSecond, postfixDriver)}\t-\tSTARTTLS + XOAUTH2, ${sub.errors} errors`,
      );
      out.push(`check\tours (${w})\tdelivered=${delivered}\texpected=${expected}\t-\t${delivered === expected ? 'ok' : 'MISMATCH'}`);
    } finally {
      await server.stop();
    }
  }
  return out;
}

// `node bench/smtp-load.ts PORT` is how the Postfix side runs the driver: see smtp-load.ts.
