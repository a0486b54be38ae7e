import { indicatorsCsv, parsePeriod, type IndicatorRow } from '@mss/domain';
import { MssError } from '@mss/runtime';
import type { Command } from '../cli.ts';
import { requireString } from '../cli.ts';
import { API_OPTIONS, answer, apiClient } from '../api-client.ts';

const { json: _json, ...apiOptions } = API_OPTIONS;

/** `mss indicators export`: the month's Ségur indicators (R-IND-1) from the admin API, as CSV or JSON. */
export const indicatorsCommand: Command = {
  name: 'indicators',
  summary: 'The Ségur indicators (R-IND-1): messages sent and received per person, mailbox and month',
  subcommands: [
    {
      name: 'export',
      summary: 'Export a month: every row with --admin, your own rows with --as/--token (docs/indicators.md)',
      options: {
        ...apiOptions,
        month: { type: 'string', description: 'The month, YYYY-MM (Europe/Paris)', valueName: 'YYYY-MM' },
        format: { type: 'string', description: 'csv or json', default: 'csv', valueName: 'csv|json' },
      },
      async run(ctx) {
        const month = requireString(ctx, 'month');
        if (!month) throw new MssError('USAGE', '--month is required (YYYY-MM, e.g. 2026-11)', { exitCode: 2 });
        if (!parsePeriod(month)) throw new MssError('USAGE', `--month: ${month} is not a month (YYYY-MM, e.g. 2026-11)`, { exitCode: 2 });
        const format = requireString(ctx, 'format') ?? 'csv';
        if (format !== 'csv' && format !== 'json') throw new MssError('USAGE', `--format: ${format} is not csv or json`, { exitCode: 2 });
        const { api } = await apiClient(ctx);
        const report = await answer(api.GET('/api/v1/indicators', { params: { query: { month } } }));
        const rows = report.rows as IndicatorRow[];
        ctx.stdout.write(format === 'csv' ? indicatorsCsv(rows) : `${JSON.stringify({ ...report, rows }, null, 2)}\n`);
        return 0;
      },
    },
  ],
};
