import { CompiledQuery, type Compilable } from 'kysely';
import type { RepoContext } from './executor.ts';

type Arg = number | string;
interface Shape {
  sql: string;
  /** Per bound parameter: the index of the argument it takes, or a constant of the query. */
  slots: ReadonlyArray<number | { readonly value: unknown }>;
}

const shapes = new Map<string, Shape>();

/**
 * Runs a query of a fixed shape (same SQL text every time, only the arguments change) without
 * building and compiling it again: the first call per engine builds it with stand-in arguments,
 * keeps its SQL and where each argument goes; later calls bind the real ones. For the few
 * queries of the IMAP command path (a FETCH's rows, a folder's counters), where Kysely's building
 * cost more than SQLite's answer. `name` must name one shape: a builder whose SQL depends on its
 * arguments (an IN list of their length) does not belong here.
 */
export async function cachedQuery<R>(
  ctx: RepoContext,
  name: string,
  args: readonly Arg[],
  build: (...args: Arg[]) => Compilable<R>,
): Promise<R[]> {
  const key = `${ctx.engine}:${name}`;
  let shape = shapes.get(key);
  if (!shape) {
    // Stand-ins no real argument equals, so that each bound parameter is traced to its argument.
    const standIns: Arg[] = args.map((a, i) => (typeof a === 'number' ? -7_300_000_001 - i : `\u0001arg${i}\u0001`));
    const compiled = build(...standIns).compile();
    const slots = compiled.parameters.map((p) => {
      const i = standIns.indexOf(p as Arg);
      return i >= 0 ? i : { value: p };
    });
    for (let i = 0; i < args.length; i++)
      if (!slots.includes(i)) throw new Error(`cachedQuery ${name}: argument ${i} is not a bound parameter`);
    shape = { sql: compiled.sql, slots };
    shapes.set(key, shape);
  }
  const params = shape.slots.map((s) => (typeof s === 'number' ? args[s] : s.value));
  return (await ctx.db.executeQuery(CompiledQuery.raw(shape.sql, params) as CompiledQuery<R>)).rows;
}
