/**
 * `node bench/cpu-table.ts bench.tsv` (or the output on stdin): the CPU split rows of a benchmark
 * run (`cpu` …, bench/cpu-split.ts) as one Markdown table per phase — a row per side (the peer,
 * each setup of ours), a column per group, each cell "share of the cores · µs per op".
 */
import fs from 'node:fs';
import { SPLIT_ROWS } from './cpu-split.ts';

export function cpuTables(tsv: string): string {
  // phase → side → { wall, ops, group → cell }
  const phases = new Map<string, Map<string, { wall: string; ops: string; cells: Map<string, string> }>>();
  for (const line of tsv.split('\n')) {
    const [kind, phase, side, group, , share, perOp, ops, wall] = line.split('\t');
    if (kind !== 'cpu' || phase === 'phase' || !phase || !side || !group || wall === undefined) continue;
    const sides = phases.get(phase) ?? new Map();
    phases.set(phase, sides);
    const row = sides.get(side) ?? { wall, ops: ops ?? '-', cells: new Map<string, string>() };
    sides.set(side, row);
    row.cells.set(group, perOp === '-' ? `${share}` : `${share} · ${perOp}`);
  }
  const out: string[] = [];
  for (const [phase, sides] of phases) {
    const groups = SPLIT_ROWS.filter((g) => [...sides.values()].some((s) => s.cells.has(g)));
    out.push(`${phase} (share of the cores · µs per op)`, '');
    out.push(`| side | wall s | ops | ${groups.join(' | ')} |`, `|---|---|---|${groups.map(() => '---|').join('')}`);
    for (const [side, s] of sides) out.push(`| ${side} | ${s.wall} | ${s.ops} | ${groups.map((g) => s.cells.get(g) ?? '–').join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const file = process.argv[2];
  process.stdout.write(cpuTables(fs.readFileSync(file && file !== '-' ? file : 0, 'utf8')));
}
