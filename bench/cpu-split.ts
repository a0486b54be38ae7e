/**
 * Where the CPU went during a benchmark's measured phase (issue #17: "met, or with the measured
 * reason they are not"). On a 2-core machine the load drivers, PostgreSQL's backends, the peer
 * and our processes share the cores; this counts each one's CPU time over the phase.
 *
 * Two samples, at the phase's start and end (no profiler, no sampling in between): every process's
 * utime + stime from `/proc/<pid>/stat`, plus its cutime + cstime (the times of the children it
 * has reaped, so that processes that start and exit within the phase — smtpd, Dovecot's imap
 * processes, the Python driver's forks, PostgreSQL's backends — still count), summed per group;
 * and the machine's totals from `/proc/stat`. A group is the process trees under its roots: a
 * process belongs to the group of its nearest ancestor that is a root (our listener under the
 * bench process is "ours", not "driver"). What no group holds is "other" (busy time of every
 * other process and kernel thread), apart from interrupt handling ("irq": irq + softirq, much of
 * it loopback networking), "steal" (the hypervisor's) and "idle" (idle + iowait).
 *
 * Assumption: a root does not exit during a phase (its reaped time would then go to its parent's
 * group). The benchmarks stop their servers only between phases.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const CPU_GROUPS = ['ours', 'postgres', 'driver', 'peer'] as const;
export type CpuGroup = (typeof CPU_GROUPS)[number];
/** The root pids of each group (a group without roots is not reported). */
export type CpuRoots = Partial<Record<CpuGroup, number[]>>;

/** One process's times, in clock ticks. */
export interface ProcTimes {
  pid: number;
  ppid: number;
  /** utime + stime: its own threads' CPU time. */
  own: number;
  /** cutime + cstime: the CPU time of the children it has waited for (and theirs, recursively). */
  reaped: number;
}

/**
 * Parses `/proc/<pid>/stat` (proc(5)). The command name, field 2, is in parentheses and may hold
 * spaces and parentheses itself, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcTimes {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // From field 3 (state) on: ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ')
    .map((s) => Number(s));
  const at = (field: number): number => f[field - 3] ?? Number.NaN;
  const times = { pid, ppid: at(4), own: at(14) + at(15), reaped: at(16) + at(17) };
  if (close < 0 || !Object.values(times).every(Number.isFinite)) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 120)}`);
  return times;
}

/** The machine's CPU time, all cores together, in clock ticks (the `cpu` line of /proc/stat). */
export interface MachineTimes {
  /** user + nice + system: every process and kernel thread (guest time is inside user). */
  busy: number;
  irq: number;
  steal: number;
  /** idle + iowait. */
  idle: number;
  cores: number;
}

export function parseMachineStat(text: string): MachineTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no "cpu" line in /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const cores = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { busy: user + nice + system, irq: irq + softirq, steal, idle: idle + iowait, cores: Math.max(1, cores) };
}

/** Every process's times (those that vanish while being read are skipped). */
export function readProcesses(): ProcTimes[] {
  const out: ProcTimes[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Each group's CPU time (own + reaped) over the processes of its trees, in ticks. */
export function groupTimes(procs: readonly ProcTimes[], roots: CpuRoots): Record<CpuGroup, number> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const groupOf = new Map<number, CpuGroup | null>();
  for (const g of CPU_GROUPS) for (const pid of roots[g] ?? []) groupOf.set(pid, g);
  const resolve = (pid: number): CpuGroup | null => {
    const chain: number[] = [];
    let at: number | undefined = pid;
    let found: CpuGroup | null = null;
    while (at !== undefined && at > 0) {
      const known = groupOf.get(at);
      if (known !== undefined) {
        found = known;
        break;
      }
      chain.push(at);
      const parent: number | undefined = byPid.get(at)?.ppid;
      at = parent === at ? undefined : parent;
    }
    for (const p of chain) groupOf.set(p, found);
    return found;
  };
  const sums: Record<CpuGroup, number> = { ours: 0, postgres: 0, driver: 0, peer: 0 };
  for (const p of procs) {
    const g = resolve(p.pid);
    if (g) sums[g] += p.own + p.reaped;
  }
  return sums;
}

export interface CpuSample {
  atMs: number;
  groups: Record<CpuGroup, number>;
  machine: MachineTimes;
}

export function sampleCpu(roots: CpuRoots): CpuSample {
  const atMs = performance.now();
  const procs = readProcesses();
  const machine = parseMachineStat(fs.readFileSync('/proc/stat', 'utf8'));
  return { atMs, groups: groupTimes(procs, roots), machine };
}

let ticks: number | undefined;
/** Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we know of). */
export function ticksPerSecond(): number {
  if (ticks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    ticks = r.status === 0 && Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticks;
}

export const SPLIT_ROWS = [...CPU_GROUPS, 'irq', 'other', 'steal', 'idle'] as const;
export type SplitRow = (typeof SPLIT_ROWS)[number];

/** CPU seconds per group between two samples, and the phase's wall time and the machine's cores. */
export interface CpuSplit {
  wallSeconds: number;
  cores: number;
  seconds: Record<SplitRow, number>;
  /** The groups that had roots (the others are not reported). */
  groups: CpuGroup[];
}

export function cpuSplit(start: CpuSample, end: CpuSample, roots: CpuRoots): CpuSplit {
  const hz = ticksPerSecond();
  const d = (a: number, b: number) => Math.max(0, b - a) / hz;
  const seconds = {} as Record<SplitRow, number>;
  for (const g of CPU_GROUPS) seconds[g] = d(start.groups[g], end.groups[g]);
  const inGroups = CPU_GROUPS.reduce((s, g) => s + seconds[g], 0);
  // Per-process times are exact (scheduler run time) and /proc/stat's are counted per tick: "other" is never below 0.
  seconds.other = Math.max(0, d(start.machine.busy, end.machine.busy) - inGroups);
  seconds.irq = d(start.machine.irq, end.machine.irq);
  seconds.steal = d(start.machine.steal, end.machine.steal);
  seconds.idle = d(start.machine.idle, end.machine.idle);
  return {
    wallSeconds: (end.atMs - start.atMs) / 1000,
    cores: end.machine.cores,
    seconds,
    groups: CPU_GROUPS.filter((g) => (roots[g]?.length ?? 0) > 0),
  };
}

/** Two splits of the same kind of phase (several runs of it) as one: seconds and wall time added. */
export function addSplits(a: CpuSplit, b: CpuSplit): CpuSplit {
  const seconds = {} as Record<SplitRow, number>;
  for (const row of SPLIT_ROWS) seconds[row] = a.seconds[row] + b.seconds[row];
  return {
    wallSeconds: a.wallSeconds + b.wallSeconds,
    cores: b.cores,
    seconds,
    groups: CPU_GROUPS.filter((g) => a.groups.includes(g) || b.groups.includes(g)),
  };
}

/** Runs `phase` between two samples; `roots` is called once, before (the roots live through the phase). */
export async function measureCpu<T>(roots: () => CpuRoots, phase: () => Promise<T>): Promise<{ result: T; split: CpuSplit }> {
  const r = roots();
  const start = sampleCpu(r);
  const result = await phase();
  return { result, split: cpuSplit(start, sampleCpu(r), r) };
}

/** The rows reported: the groups with roots, irq, other, steal when the hypervisor took any, idle. */
function reported(split: CpuSplit): SplitRow[] {
  return SPLIT_ROWS.filter((row) =>
    (CPU_GROUPS as readonly string[]).includes(row) ? split.groups.includes(row as CpuGroup) : row !== 'steal' || split.seconds.steal > 0,
  );
}

export const CPU_HEADER = ['cpu', 'phase', 'side', 'group', 'cpu_s', 'share_of_cores', 'us_per_op', 'ops', 'wall_s'].join('\t');

/** TSV rows (CPU_HEADER) of one phase: per group, its CPU seconds, its share of all cores over the wall time, µs per op. */
export function cpuRows(phase: string, side: string, split: CpuSplit, ops: number): string[] {
  const capacity = split.wallSeconds * split.cores;
  return reported(split).map((row) => {
    const s = split.seconds[row];
    const perOp = row !== 'idle' && ops > 0 ? ((s * 1e6) / ops).toFixed(0) : '-';
    const share = capacity > 0 ? `${((100 * s) / capacity).toFixed(1)}%` : '-';
    return ['cpu', phase, side, row, s.toFixed(2), share, perOp, ops, split.wallSeconds.toFixed(2)].join('\t');
  });
}

/** One line for the log: `ours 41% (3,210 µs/op), postgres 30%…, idle 3% of 2 cores over 9.8 s`. */
export function cpuSummary(split: CpuSplit, ops: number): string {
  const capacity = split.wallSeconds * split.cores;
  const parts = reported(split).map((row) => {
    const s = split.seconds[row];
    const share = capacity > 0 ? `${((100 * s) / capacity).toFixed(0)}%` : '-';
    return row !== 'idle' && ops > 0 ? `${row} ${share} (${((s * 1e6) / ops).toFixed(0)} µs/op)` : `${row} ${share}`;
  });
  return `cpu: ${parts.join(', ')} of ${split.cores} cores over ${split.wallSeconds.toFixed(1)} s, ${ops} ops`;
}

/** The measured phases of one benchmark side: their rows, and a summary line on stderr as each ends. */
export class CpuPhases {
  readonly rows: string[] = [];

  /** Runs `phase` between two samples; `ops` counts what it did (messages delivered, commands answered). */
  async measure<T>(phase: string, side: string, roots: () => CpuRoots, run: () => Promise<T>, ops: (result: T) => number): Promise<T> {
    const { result, split } = await measureCpu(roots, run);
    this.add(phase, side, split, ops(result));
    return result;
  }

  /** A phase measured otherwise (see KindBoundaries). */
  add(phase: string, side: string, split: CpuSplit, ops: number): void {
    this.rows.push(...cpuRows(phase, side, split, ops));
    process.stderr.write(`  ${side}, ${phase}: ${cpuSummary(split, ops)}\n`);
  }
}

/**
 * Phases that follow each other inside drivers that run at once (one per node), each driver saying
 * when it has finished a kind: a kind's phase ends when every driver has finished it, and the next
 * one starts there. Several runs of a kind add up.
 */
export class KindBoundaries {
  readonly splits = new Map<string, CpuSplit>();
  readonly #drivers: number;
  readonly #roots: CpuRoots;
  readonly #finished = new Map<string, number>();
  #last: CpuSample;

  constructor(drivers: number, roots: CpuRoots) {
    this.#drivers = drivers;
    this.#roots = roots;
    this.#last = sampleCpu(roots);
  }

  /** One driver has finished `kind` (of run `run`). */
  finished(kind: string, run = 1): void {
    const key = `${run}\t${kind}`;
    const n = (this.#finished.get(key) ?? 0) + 1;
    this.#finished.set(key, n);
    if (n < this.#drivers) return;
    const now = sampleCpu(this.#roots);
    const split = cpuSplit(this.#last, now, this.#roots);
    const before = this.splits.get(kind);
    this.splits.set(kind, before ? addSplits(before, split) : split);
    this.#last = now;
  }
}
