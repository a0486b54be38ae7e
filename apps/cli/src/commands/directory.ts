import type { Command } from '../cli.ts';
import { API_OPTIONS, answer, apiClient } from '../api-client.ts';

function ago(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'never';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** `mss directory sync status`: the operator's cursor in the Annuaire's change feed and its lag (issue #15). */
export const directoryCommand: Command = {
  name: 'directory',
  summary: "The operator's copy of the Annuaire Santé",
  subcommands: [
    {
      name: 'sync',
      summary: 'The synchronisation with the Annuaire’s change feed',
      subcommands: [
        {
          name: 'status',
          summary: 'Cursor, lag, failures and full resynchronisations (operator administrators: --admin)',
          description:
            'Reads GET /api/v1/operator/directory-sync (decided and audited). The lag is the time since the operator last read every ' +
            'change the Annuaire had; it grows while the Annuaire is down, and the operator keeps serving its last copy meanwhile.',
          options: API_OPTIONS,
          async run(ctx) {
            const { api } = await apiClient(ctx);
            const s = await answer(api.GET('/api/v1/operator/directory-sync'));
            if (ctx.values.json) {
              ctx.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
              return 0;
            }
            const rows: [string, string][] = [
              ['Annuaire', s.url],
              ['cursor', s.cursor ?? '(none yet: a full resynchronisation comes first)'],
              ['caught up at', s.caughtUpAt ?? 'never'],
              ['lag', ago(s.lagMs)],
              ['polling every', ago(s.intervalMs)],
              ['next poll', s.nextPollAt ?? '(stopped)'],
              ['failures', s.failures === 0 ? '0' : `${s.failures} in a row, last: ${s.lastError ?? ''}`],
              ['entries applied', String(s.entriesApplied ?? 0)],
              ['rows changed', String(s.rowsChanged ?? 0)],
              ['delegations ended', String(s.delegationsEnded ?? 0)],
              [
                'full resyncs',
                s.fullResyncs === 0 ? '0' : `${s.fullResyncs}, last at ${s.lastFullResyncAt ?? '?'}: ${s.lastFullResyncReason ?? ''}`,
              ],
            ];
            const w = Math.max(...rows.map(([k]) => k.length));
            for (const [k, v] of rows) ctx.stdout.write(`${k.padEnd(w)}  ${v}\n`);
            return 0;
          },
        },
      ],
    },
  ],
};
