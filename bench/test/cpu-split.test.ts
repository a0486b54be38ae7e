// The benchmarks' CPU split (bench/cpu-split.ts, issue #17): /proc's fields read as proc(5) lays
// them out, each process counted in the group of its nearest root, and real CPU burnt by real
// child processes found in the right group — while they run (utime + stime) and after they have
// exited (cutime + cstime of the process that reaped them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  type CpuRoots,
  cpuRows,
  type CpuSplit,
  groupTimes,
  KindBoundaries,
  measureCpu,
  parseMachineStat,
  parseProcStat,
  type ProcTimes,
} from '../cpu-split.ts';
import { cpuTables } from '../cpu-table.ts';

test('a /proc/<pid>/stat line: fields counted from the last ")", as the command name may hold spaces and parentheses (proc(5))', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority…
  const line = '4242 (a) b (c) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 30 7 3 20 0 1 0 123456 1000 10\n';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, own: 280, reaped: 10 });
  assert.throws(() => parseProcStat('garbage'), /not a \/proc\/<pid>\/stat line/);
});

test('/proc/stat: busy is user + nice + system, irq + softirq apart, idle + iowait, steal, and the number of cores', () => {
  const text = ['cpu  100 20 30 400 50 6 7 8 9 0', 'cpu0 50 10 15 200 25 3 3 4 0 0', 'cpu1 50 10 15 200 25 3 4 4 9 0', 'intr 1 2 3'].join(
    '\n',
  );
  assert.deepEqual(parseMachineStat(text), { busy: 150, irq: 13, steal: 8, idle: 450, cores: 2 });
});

test('each process counts in the group of its nearest root; what no root holds counts nowhere', () => {
  const p = (pid: number, ppid: number, own: number, reaped = 0): ProcTimes => ({ pid, ppid, own, reaped });
  const procs = [
    p(1, 0, 1000), // init: no group
    p(10, 1, 5, 40), // the bench process (driver root), which reaped 40 ticks of children
    p(11, 10, 3), // a driver script under it
    p(12, 11, 70), // smtp-source under the script
    p(20, 10, 2, 9), // our listener, a child of the bench process: ours, not driver
    p(21, 20, 300), // its worker
    p(30, 1, 1, 500), // Postfix's master, reparented to init, with reaped smtpd times
    p(31, 30, 60), // a live smtpd
    p(40, 1, 999), // an unrelated process
  ];
  const roots: CpuRoots = { driver: [10], ours: [20], peer: [30] };
  assert.deepEqual(groupTimes(procs, roots), { driver: 5 + 40 + 3 + 70, ours: 2 + 9 + 300, peer: 1 + 500 + 60, postgres: 0 });
});

test('rows: CPU seconds, share of all cores over the wall time, µs per operation; idle has no per-op figure', () => {
  const split: CpuSplit = {
    wallSeconds: 10,
    cores: 2,
    groups: ['ours', 'driver'],
    seconds: { ours: 8, postgres: 0, driver: 4, peer: 0, irq: 1, other: 2, steal: 0, idle: 5 },
  };
  assert.deepEqual(cpuRows('smtp-inbound', 'ours (sqlite, 1 worker)', split, 2000), [
    'cpu\tsmtp-inbound\tours (sqlite, 1 worker)\tours\t8.00\t40.0%\t4000\t2000\t10.00',
    'cpu\tsmtp-inbound\tours (sqlite, 1 worker)\tdriver\t4.00\t20.0%\t2000\t2000\t10.00',
    'cpu\tsmtp-inbound\tours (sqlite, 1 worker)\tirq\t1.00\t5.0%\t500\t2000\t10.00',
    'cpu\tsmtp-inbound\tours (sqlite, 1 worker)\tother\t2.00\t10.0%\t1000\t2000\t10.00',
    'cpu\tsmtp-inbound\tours (sqlite, 1 worker)\tidle\t5.00\t25.0%\t-\t2000\t10.00',
  ]);
});

test('kind boundaries: a kind ends when every driver has finished it, the next starts there, runs of a kind add up', () => {
  const bounds = new KindBoundaries(2, { driver: [process.pid] });
  bounds.finished('select');
  assert.equal(bounds.splits.has('select'), false, 'one of two drivers is still on select');
  bounds.finished('select');
  const first = bounds.splits.get('select')!;
  assert.deepEqual(first.groups, ['driver']);
  bounds.finished('fetch');
  bounds.finished('fetch');
  bounds.finished('select', 2);
  bounds.finished('select', 2);
  const both = bounds.splits.get('select')!;
  assert.ok(bounds.splits.has('fetch'));
  assert.ok(both.wallSeconds >= first.wallSeconds, 'the second run of select adds its wall time');
  assert.ok(both.seconds.driver >= first.seconds.driver);
});

test('cpu-table: a Markdown table per phase, a row per side, the groups any side reported as columns', () => {
  const tsv = [
    'inbound\tpostfix\t400\t1.00\t0.5\tnot a cpu row',
    'cpu\tphase\tside\tgroup\tcpu_s\tshare_of_cores\tus_per_op\tops\twall_s',
    'cpu\tsmtp-inbound\tpostfix\tpeer\t3.00\t30.0%\t1500\t2000\t5.00',
    'cpu\tsmtp-inbound\tpostfix\tidle\t1.00\t10.0%\t-\t2000\t5.00',
    'cpu\tsmtp-inbound\tours (pg, 1 node, 1 worker)\tours\t4.00\t20.0%\t2000\t2000\t10.00',
    'cpu\tsmtp-inbound\tours (pg, 1 node, 1 worker)\tpostgres\t2.00\t10.0%\t1000\t2000\t10.00',
  ].join('\n');
  assert.equal(
    cpuTables(tsv),
    [
      'smtp-inbound (share of the cores · µs per op)',
      '',
      '| side | wall s | ops | ours | postgres | peer | idle |',
      '|---|---|---|---|---|---|---|',
      '| postfix | 5.00 | 2000 | – | – | 30.0% · 1500 | 10.0% |',
      '| ours (pg, 1 node, 1 worker) | 10.00 | 2000 | 20.0% · 2000 | 10.0% · 1000 | – | – |',
      '',
    ].join('\n'),
  );
});

/**
 * The interpreter itself: `python3` may be a version manager's shim (pyenv's is a bash script that
 * spends ~0.4 s of CPU in children of its own before it execs Python), which would blur the figures.
 */
const PYTHON = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim() || 'python3';

/** Python burning `seconds` of its own CPU time (process_time, not the wall clock), then saying so. */
const BURN = (seconds: number) =>
  `import time\nt = time.process_time()\nwhile time.process_time() - t < ${seconds}: pass\nprint("burned", flush=True)\n`;

async function said(child: ChildProcess, word: string): Promise<void> {
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes(`${word}\n`)) return; // the whole line: Python may write its end apart
  }
  throw new Error(`the child ended without saying "${word}": ${out}`);
}

test('CPU burnt by real processes lands in their group: a live root, a reaped grandchild, a reaped child of the driver', async () => {
  const burn = 0.5;
  const children: ChildProcess[] = [];
  try {
    // Started before the first sample, burning after it: each waits for a line on stdin.
    const go = `import sys\nsys.stdin.readline()\n`;
    // "ours": a shell whose child burns and exits; the shell reaps it and stays (its cutime holds the burn).
    // It says "reaped" once it has: a sample taken while the child exits could read the shell's cutime
    // before the reap and the child's stat after it, and miss the burn.
    const ours = spawn('sh', ['-c', `${PYTHON} -c '${go}${BURN(burn)}'; echo reaped; exec sleep 600`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    // "peer": a process that burns and stays alive (its own utime + stime).
    const peer = spawn(PYTHON, ['-c', `${go}${BURN(burn)}import time\ntime.sleep(600)\n`], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(ours, peer);
    await Promise.all(children.map((c) => once(c, 'spawn')));
    const roots: CpuRoots = { ours: [ours.pid!], peer: [peer.pid!], driver: [process.pid] };

    const measured = await measureCpu(
      () => roots,
      async () => {
        // "driver": a child of this process (the driver's root) that is no root itself; it exits and is reaped here.
        const helper = spawn(PYTHON, ['-c', BURN(burn)], { stdio: ['ignore', 'pipe', 'inherit'] });
        const helperDone = said(helper, 'burned').then(() => once(helper, 'close'));
        ours.stdin!.write('go\n');
        peer.stdin!.write('go\n');
        await Promise.all([said(ours, 'reaped'), said(peer, 'burned'), helperDone]);
      },
    );
    const s = measured.split.seconds;
    // At least the burn (less the clock tick the kernel truncates to); less than two burns: counted once.
    for (const g of ['ours', 'peer', 'driver'] as const) {
      assert.ok(s[g] >= burn - 0.05, `${g}: ${s[g]} s, burnt ${burn} s`);
      assert.ok(s[g] < 2 * burn - 0.05, `${g}: ${s[g]} s counted once, not with another group's burn`);
    }
    assert.equal(s.postgres, 0);
    assert.deepEqual(measured.split.groups, ['ours', 'driver', 'peer']);
    assert.ok(measured.split.cores >= 1);
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});
