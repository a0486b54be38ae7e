import { MssError } from '@mss/runtime';
import type { Command } from '../cli.ts';
import { requireString } from '../cli.ts';
import { API_OPTIONS, answer, apiClient } from '../api-client.ts';
import type { paths } from '../generated/admin-api.ts';
import { rowLimit, writePages, type Column, type Format } from '../paged-export.ts';

type AuditQuery = NonNullable<paths['/api/v1/operator/audit']['get']['parameters']['query']>;
type AuditPage = paths['/api/v1/operator/audit']['get']['responses'][200]['content']['application/json'];

type AuditEntry = AuditPage['entries'][number];

const COLUMNS: Column<AuditEntry>[] = [
  ['at', (e) => e.at],
  ['principal', (e) => e.principal],
  ['mailbox', (e) => e.mailbox],
  ['action', (e) => e.action],
  ['channel', (e) => e.channel],
  ['outcome', (e) => e.outcome],
  ['reason', (e) => e.reason],
  ['role', (e) => e.role],
  ['clientId', (e) => e.clientId],
  ['id', (e) => e.id],
];

const FILTERS = {
  principal: 'principal',
  mailbox: 'mailbox',
  from: 'from',
  to: 'to',
  outcome: 'outcome',
  channel: 'channel',
  action: 'action',
} as const;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Read or export the audit trail of access decisions (operator administrator: --admin)',
  description:
    'Every decision of the access decision point — IMAP, SMTP, admin API logins and actions, allowed or denied, with the reason — ' +
    'in time order, through GET /api/v1/operator/audit (reading it is itself audited). Filters combine; a bare day YYYY-MM-DD ' +
    'is the whole UTC day. A table shows 100 entries unless --limit; --format csv|json exports every entry that matches.',
  options: {
    ...API_OPTIONS,
    principal: { type: 'string', description: 'A person (IdNat), operator-admin:<name> or certificate:<serial>', valueName: 'who' },
    mailbox: { type: 'string', description: 'One mailbox address', valueName: 'address' },
    from: { type: 'string', description: 'At or after (YYYY-MM-DD or ISO 8601 with a zone)', valueName: 'when' },
    to: { type: 'string', description: 'Before, or through that day', valueName: 'when' },
    outcome: { type: 'string', description: 'allowed or denied', valueName: 'outcome' },
    channel: { type: 'string', description: 'imap, smtp, webmail, admin-api, cli, ldap, system', valueName: 'channel' },
    action: { type: 'string', description: 'read, send, create, authenticate, read-audit…', valueName: 'action' },
    format: { type: 'string', description: 'table, csv or json (csv/json: an export of every match)', default: 'table', valueName: 'f' },
    limit: { type: 'string', description: 'At most this many entries (default: 100 in a table, all in an export)', valueName: 'n' },
  },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new MssError('USAGE', 'mss audit takes no argument: filter with options', { exitCode: 2 });
    const format = (requireString(ctx, 'format') ?? (ctx.values.json ? 'json' : 'table')) as Format;
    if (!['table', 'csv', 'json'].includes(format))
      throw new MssError('USAGE', `--format: "${format}" is not table, csv or json`, { exitCode: 2 });
    const query: AuditQuery = {};
    for (const [option, param] of Object.entries(FILTERS)) {
      const v = requireString(ctx, option);
      if (v !== undefined) (query as Record<string, string>)[param] = v;
    }
    const { api } = await apiClient(ctx);
    await writePages<AuditEntry>(ctx, format, rowLimit(ctx, format), COLUMNS, async (cursor, limit) => {
      const page = await answer(
        api.GET('/api/v1/operator/audit', { params: { query: { ...query, limit, ...(cursor ? { cursor } : {}) } } }),
      );
      return { rows: page.entries, next: page.next };
    });
    return 0;
  },
};
