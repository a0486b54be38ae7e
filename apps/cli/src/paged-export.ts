import { MssError } from '@mss/runtime';
import type { CommandContext } from './cli.ts';
import { requireString } from './cli.ts';
import { csvRecord } from './csv.ts';
import { table } from './api-client.ts';

export type Format = 'table' | 'csv' | 'json';

/** One column of an export: its header and how to read it from a row. */
export type Column<T> = [header: string, read: (row: T) => string | number | boolean | null | undefined];

/** `--limit N` rows at most; by default 100 for a table (a screenful or so), all for an export. */
export function rowLimit(ctx: CommandContext, format: Format): number {
  const raw = requireString(ctx, 'limit');
  if (raw === undefined) return format === 'table' ? 100 : Number.POSITIVE_INFINITY;
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw new MssError('USAGE', `--limit: "${raw}" is not a positive number of rows`, { exitCode: 2 });
  return Number(raw);
}

/**
 * Follows an operator listing's `next` cursor page by page, writing rows as they come: CSV with
 * a header, a JSON array, or a table once done. An export of the whole trail never sits in
 * memory; a table is for a screenful.
 */
export async function writePages<T>(
  ctx: CommandContext,
  format: Format,
  limit: number,
  columns: Column<T>[],
  fetchPage: (cursor: string | undefined, size: number) => Promise<{ rows: T[]; next: string | null }>,
): Promise<number> {
  const out = ctx.stdout;
  const kept: T[] = [];
  let written = 0;
  let cursor: string | undefined;
  if (format === 'csv') out.write(csvRecord(columns.map(([h]) => h)));
  if (format === 'json') out.write('[');
  for (;;) {
    const page = await fetchPage(cursor, Math.min(1000, limit - written));
    for (const row of page.rows) {
      if (format === 'csv') out.write(csvRecord(columns.map(([, read]) => read(row))));
      else if (format === 'json') out.write(`${written === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`);
      else kept.push(row);
      written++;
    }
    if (!page.next || written >= limit) break;
    cursor = page.next;
  }
  if (format === 'json') out.write(written === 0 ? ']\n' : '\n]\n');
  if (format === 'table')
    out.write(
      `${table(
        kept.map((r) => columns.map(([, read]) => read(r) as string | number | null | undefined)),
        columns.map(([h]) => h.toUpperCase()),
      )}\n`,
    );
  return written;
}
