import { isMailboxType } from '@mss/domain';
import { MssError } from '@mss/runtime';
import type { Command, CommandContext } from '../cli.ts';
import { requireString } from '../cli.ts';
import { API_OPTIONS, answer, apiClient, table } from '../api-client.ts';
import type { AdminApi, Group, HistoryEntry, Mailbox, MailboxCreation } from '../api-client.ts';
import type { paths } from '../generated/admin-api.ts';
import { rowLimit, writePages, type Column } from '../paged-export.ts';

type ListingQuery = NonNullable<paths['/api/v1/operator/mailboxes']['get']['parameters']['query']>;
type ListedMailbox = paths['/api/v1/operator/mailboxes']['get']['responses'][200]['content']['application/json']['mailboxes'][number];

const LISTING_COLUMNS: Column<ListedMailbox>[] = [
  ['address', (m) => m.address],
  ['type', (m) => m.type],
  ['status', (m) => m.status],
  ['owner', (m) => m.ownerIdnat],
  ['structure', (m) => m.structureIdnat],
  ['listeRouge', (m) => (m.listeRouge ? 'yes' : 'no')],
  ['createdAt', (m) => m.createdAt],
  ['closedAt', (m) => m.closedAt],
  ['releasedAt', (m) => m.releasedAt],
];

/** Option → query parameter of GET /api/v1/operator/mailboxes. */
const LISTING_FILTERS = {
  type: 'type',
  status: 'status',
  owner: 'owner',
  structure: 'structure',
  address: 'address',
  'created-from': 'createdFrom',
  'created-to': 'createdTo',
  'closed-from': 'closedFrom',
  'closed-to': 'closedTo',
} as const;

function arg(ctx: CommandContext, i: number, name: string): string {
  const v = ctx.positionals[i];
  if (v === undefined) throw new MssError('USAGE', `missing <${name}>`, { exitCode: 2 });
  return v;
}

function printMailbox(ctx: CommandContext, m: Mailbox): void {
  if (ctx.values.json) {
    ctx.stdout.write(`${JSON.stringify(m)}\n`);
    return;
  }
  const lines = [
    `${m.address}  ${m.type}  ${m.status}${m.listeRouge ? '  liste rouge' : ''}${m.releasedAt ? `  address released ${m.releasedAt}` : ''}`,
    `attached to ${m.ownerIdnat}${m.situationId ? ` (situation ${m.situationId})` : ''}${m.description ? `  — ${m.description}` : ''}${m.service ? `  (service ${m.service})` : ''}`,
    '',
    table(
      m.holders.map((h) => [h.role, h.idnat, h.addedAt, h.addedBy]),
      ['ROLE', 'IDNAT', 'SINCE', 'ADDED BY'],
    ),
  ];
  if (m.delegations?.length) {
    const rows = m.delegations.map((d) => [d.id, d.delegateIdnat, d.grantedBy, d.startAt, d.endAt ?? '—']);
    lines.push('', table(rows, ['DELEGATION', 'DELEGATE', 'GRANTED BY', 'FROM', 'UNTIL']));
  }
  ctx.stdout.write(`${lines.join('\n')}\n`);
}

function printGroup(ctx: CommandContext, g: Group): void {
  if (ctx.values.json) {
    ctx.stdout.write(`${JSON.stringify(g)}\n`);
    return;
  }
  const head = `${g.address}${g.closedAt ? `  closed ${g.closedAt}` : ''}${g.description ? `  — ${g.description}` : ''}`;
  const rows = g.members.map((m) => [m.address, m.type, m.receives ? 'yes' : 'no', m.addedAt, m.addedBy]);
  ctx.stdout.write(`${head}\n${table(rows, ['MEMBER', 'TYPE', 'RECEIVES', 'SINCE', 'ADDED BY'])}\n`);
}

/** `{ reason }` when the caller gave --reason: DELETE carries its reason in the query. */
function reasonQuery(ctx: CommandContext): { reason?: string } {
  const reason = requireString(ctx, 'reason');
  return reason ? { reason } : {};
}

/**
 * The common shape of a mailbox command: one call on the mailbox named by the first argument,
 * as the acting person, then the mailbox the API answers, printed.
 */
async function onMailbox(
  ctx: CommandContext,
  call: (api: AdminApi, path: { address: string }) => Promise<{ data?: Mailbox; error?: unknown; response: Response }>,
): Promise<number> {
  const path = { address: arg(ctx, 0, 'address') };
  const { api } = await apiClient(ctx);
  printMailbox(ctx, await answer(call(api, path)));
  return 0;
}

type LocalPerson = { localId: string; idnat: string; name: string; role: string; addedAt: string; removedAt: string | null };

/** A structure's staff on a mailbox (issue #20 rule 6): one row per declaration, or JSON. */
async function onLocalPersons(
  ctx: CommandContext,
  call: (api: AdminApi, path: { address: string }) => Promise<{ data?: LocalPerson | LocalPerson[]; error?: unknown; response: Response }>,
): Promise<number> {
  const { api } = await apiClient(ctx);
  const data = await answer(call(api, { address: arg(ctx, 0, 'address') }));
  const rows = Array.isArray(data) ? data : [data];
  ctx.stdout.write(
    ctx.values.json
      ? `${JSON.stringify(data)}\n`
      : `${table(
          rows.map((p) => [p.localId, p.idnat, p.name, p.role, p.addedAt.slice(0, 10), p.removedAt?.slice(0, 10) ?? '']),
          ['LOCAL ID', 'IDNAT', 'NAME', 'ROLE', 'ADDED', 'REMOVED'],
        )}\n`,
  );
  return 0;
}

const leaf = (c: Omit<Command, 'options'> & { options?: Command['options'] }): Command => ({
  ...c,
  options: { ...API_OPTIONS, ...(c.options ?? {}) },
});

export const balCommand: Command = {
  name: 'bal',
  summary:
    'Mailbox governance through the admin API: create, list, search (all, admin), show, close, liste rouge, cotitulaires, transfer, delegations, history',
  subcommands: [
    leaf({
      name: 'create',
      summary: 'Create a mailbox (PER: your own; CAB: you become its owner; ORG/APP: --admin)',
      args: '<address>',
      options: {
        type: { type: 'string', description: 'PER, ORG, APP or CAB', valueName: 'type' },
        holder: { type: 'string', description: 'PER holder / CAB owner IdNat (default: the acting person)', valueName: 'idnat' },
        structure: { type: 'string', description: 'ORG/APP structure IdNat (1+FINESS)', valueName: 'idnat' },
        responsible: { type: 'string', description: 'ORG/APP responsible persons, comma-separated IdNats', valueName: 'idnats' },
        description: { type: 'string', description: 'Description published in the directory', valueName: 'text' },
        service: { type: 'string', description: 'Service (ORG/APP)', valueName: 'text' },
        'liste-rouge': { type: 'boolean', description: 'Do not publish in the directory (R-BAL-3)' },
      },
      async run(ctx) {
        const { api } = await apiClient(ctx);
        const type = requireString(ctx, 'type');
        if (!type) throw new MssError('USAGE', '--type is required (PER, ORG, APP or CAB)', { exitCode: 2 });
        const upper = type.toUpperCase();
        if (!isMailboxType(upper)) throw new MssError('USAGE', `--type: "${type}" is not PER, ORG, APP or CAB`, { exitCode: 2 });
        const body: MailboxCreation = { type: upper, address: arg(ctx, 0, 'address') };
        if (requireString(ctx, 'holder')) body.holderIdnat = requireString(ctx, 'holder');
        if (requireString(ctx, 'structure')) body.structureIdnat = requireString(ctx, 'structure');
        if (requireString(ctx, 'responsible'))
          body.responsibleIdnats = requireString(ctx, 'responsible')!
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
        if (requireString(ctx, 'description')) body.description = requireString(ctx, 'description');
        if (requireString(ctx, 'service')) body.service = requireString(ctx, 'service');
        if (ctx.values['liste-rouge']) body.listeRouge = true;
        printMailbox(ctx, await answer(api.POST('/api/v1/mailboxes', { body })));
        return 0;
      },
    }),
    leaf({
      name: 'list',
      summary: 'The mailboxes you hold, co-hold or are delegated, with your role',
      async run(ctx) {
        const r = await answer((await apiClient(ctx)).api.GET('/api/v1/mailboxes'));
        const rows = r.mailboxes.map((m) => [m.address, m.type, m.status, m.role, m.endAt ?? '']);
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(r)}\n` : `${table(rows, ['ADDRESS', 'TYPE', 'STATUS', 'ROLE', 'UNTIL'])}\n`);
        return 0;
      },
    }),
    leaf({
      name: 'search',
      summary: 'Every mailbox of the operator, filtered (operator administrator: --admin); --csv exports',
      description:
        'Through GET /api/v1/operator/mailboxes, in creation order, closed and released mailboxes included; filters combine. ' +
        'A table shows 100 mailboxes unless --limit; --csv and --json export every match, page after page.',
      options: {
        type: { type: 'string', description: 'PER, ORG, APP or CAB', valueName: 'type' },
        status: { type: 'string', description: 'active, suspended or closed', valueName: 'status' },
        owner: {
          type: 'string',
          description: 'Directory attachment: IdNat of a person (PER/CAB) or structure (ORG/APP)',
          valueName: 'idnat',
        },
        structure: { type: 'string', description: "A structure's IdNat: its ORG/APP and PER/CAB of situations in it", valueName: 'idnat' },
        'liste-rouge': { type: 'string', description: 'yes: only liste rouge; no: only published', valueName: 'yes|no' },
        address: { type: 'string', description: 'Part of the address, case-insensitive', valueName: 'text' },
        'created-from': { type: 'string', description: 'Created at or after (YYYY-MM-DD or ISO 8601 with a zone)', valueName: 'when' },
        'created-to': { type: 'string', description: 'Created before, or through that day', valueName: 'when' },
        'closed-from': { type: 'string', description: 'Closed at or after', valueName: 'when' },
        'closed-to': { type: 'string', description: 'Closed before, or through that day', valueName: 'when' },
        csv: { type: 'boolean', description: 'Export CSV (RFC 4180) of every match' },
        limit: { type: 'string', description: 'At most this many mailboxes (default: 100 in a table, all in an export)', valueName: 'n' },
      },
      async run(ctx) {
        if (ctx.positionals.length > 0)
          throw new MssError('USAGE', 'mss bal search takes no argument: filter with options', { exitCode: 2 });
        const format = ctx.values.csv ? 'csv' : ctx.values.json ? 'json' : 'table';
        const query: ListingQuery = {};
        for (const [option, param] of Object.entries(LISTING_FILTERS)) {
          const v = requireString(ctx, option);
          if (v !== undefined) (query as Record<string, string>)[param] = param === 'type' ? v.toUpperCase() : v;
        }
        const red = requireString(ctx, 'liste-rouge');
        if (red !== undefined) {
          if (red !== 'yes' && red !== 'no') throw new MssError('USAGE', `--liste-rouge: say yes or no, not "${red}"`, { exitCode: 2 });
          query.listeRouge = red === 'yes';
        }
        const { api } = await apiClient(ctx);
        await writePages<ListedMailbox>(ctx, format, rowLimit(ctx, format), LISTING_COLUMNS, async (cursor, limit) => {
          const params = { query: { ...query, limit, ...(cursor ? { cursor } : {}) } };
          const page = await answer(api.GET('/api/v1/operator/mailboxes', { params }));
          return { rows: page.mailboxes, next: page.next };
        });
        return 0;
      },
    }),
    leaf({
      name: 'show',
      summary: 'One mailbox: status, attachment, holders, delegations',
      args: '<address>',
      async run(ctx) {
        return onMailbox(ctx, (api, path) => api.GET('/api/v1/mailboxes/{address}', { params: { path } }));
      },
    }),
    leaf({
      name: 'close',
      summary: 'Close a mailbox (operator admin; a CAB owner uses "delete"); closing is final',
      args: '<address>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        const body = { status: 'closed' as const, reason: requireString(ctx, 'reason') ?? '' };
        return onMailbox(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/status', { params: { path }, body }));
      },
    }),
    leaf({
      name: 'delete',
      summary: 'Delete (close) a CAB as its owner, or an ORG/APP as the operator',
      args: '<address>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        return onMailbox(ctx, (api, path) => api.DELETE('/api/v1/mailboxes/{address}', { params: { path, query: reasonQuery(ctx) } }));
      },
    }),
    leaf({
      name: 'liste-rouge',
      summary: 'Put a mailbox on liste rouge (on) or publish it again (off) — R-BAL-3',
      args: '<address> <on|off>',
      async run(ctx) {
        const v = arg(ctx, 1, 'on|off');
        if (v !== 'on' && v !== 'off') throw new MssError('USAGE', 'say "on" or "off"', { exitCode: 2 });
        const body = { listeRouge: v === 'on' };
        return onMailbox(ctx, (api, path) => api.PATCH('/api/v1/mailboxes/{address}', { params: { path }, body }));
      },
    }),
    {
      name: 'cotitulaire',
      summary: 'CAB cotitulaires (owner only)',
      subcommands: [
        leaf({
          name: 'add',
          summary: 'Add a cotitulaire (a PS with an IdNat; need not be a customer) — R-CAB-3',
          args: '<address> <idnat>',
          async run(ctx) {
            const body = { idnat: arg(ctx, 1, 'idnat') };
            return onMailbox(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/cotitulaires', { params: { path }, body }));
          },
        }),
        leaf({
          name: 'remove',
          summary: 'Remove a cotitulaire; their open sessions end',
          args: '<address> <idnat>',
          options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
          async run(ctx) {
            const idnat = arg(ctx, 1, 'idnat');
            const params = (path: { address: string }) => ({ path: { ...path, idnat }, query: reasonQuery(ctx) });
            return onMailbox(ctx, (api, path) => api.DELETE('/api/v1/mailboxes/{address}/cotitulaires/{idnat}', { params: params(path) }));
          },
        }),
      ],
    },
    {
      name: 'local-person',
      summary: "A FINESS structure's own staff on its ORG mailboxes, authenticated by its identity provider (responsible persons)",
      subcommands: [
        leaf({
          name: 'add',
          summary: "Declare a staff member by the structure's identifier of them (the sub of its identity provider's tokens)",
          args: '<address> <local-id>',
          options: {
            name: { type: 'string', description: 'Their name', valueName: 'text' },
            role: { type: 'string', description: 'Their role in the structure (secrétaire médicale…)', valueName: 'text' },
          },
          async run(ctx) {
            const name = ctx.values.name;
            const role = ctx.values.role;
            if (typeof name !== 'string' || typeof role !== 'string')
              throw new MssError('USAGE', '--name and --role are required', { exitCode: 2 });
            const body = { localId: arg(ctx, 1, 'local-id'), name, role };
            return onLocalPersons(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/local-persons', { params: { path }, body }));
          },
        }),
        leaf({
          name: 'remove',
          summary: 'End a declaration; their open sessions on the mailbox end',
          args: '<address> <local-id>',
          options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
          async run(ctx) {
            const localId = arg(ctx, 1, 'local-id');
            const params = (path: { address: string }) => ({ path: { ...path, localId }, query: reasonQuery(ctx) });
            return onLocalPersons(ctx, (api, path) =>
              api.DELETE('/api/v1/mailboxes/{address}/local-persons/{localId}', { params: params(path) }),
            );
          },
        }),
        leaf({
          name: 'list',
          summary: 'The staff declared on the mailbox (--all: with the removed ones)',
          args: '<address>',
          options: { all: { type: 'boolean', description: 'Include ended declarations' } },
          async run(ctx) {
            const query = ctx.values.all === true ? { all: true } : {};
            return onLocalPersons(ctx, async (api, path) => {
              const r = await api.GET('/api/v1/mailboxes/{address}/local-persons', { params: { path, query } });
              return { ...r, data: r.data?.localPersons };
            });
          },
        }),
      ],
    },
    {
      name: 'responsible',
      summary: 'ORG/APP responsible persons (a responsible person or --admin)',
      subcommands: [
        leaf({
          name: 'add',
          summary: 'Name a co-responsible (a person in the directory)',
          args: '<address> <idnat>',
          async run(ctx) {
            const body = { idnat: arg(ctx, 1, 'idnat') };
            return onMailbox(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/responsibles', { params: { path }, body }));
          },
        }),
        leaf({
          name: 'remove',
          summary: 'Remove a responsible person (never the last one); their open sessions end',
          args: '<address> <idnat>',
          options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
          async run(ctx) {
            const idnat = arg(ctx, 1, 'idnat');
            const params = (path: { address: string }) => ({ path: { ...path, idnat }, query: reasonQuery(ctx) });
            return onMailbox(ctx, (api, path) => api.DELETE('/api/v1/mailboxes/{address}/responsibles/{idnat}', { params: params(path) }));
          },
        }),
      ],
    },
    {
      name: 'group',
      summary: 'A practice’s group addresses: lists that fan out to its mailboxes (CAB owner); nobody sends as them',
      subcommands: [
        leaf({
          name: 'create',
          summary: 'Create a group address on the CAB, with its members (the CAB, or PER mailboxes of its owner and cotitulaires)',
          args: '<cab-address> <group-address>',
          options: {
            members: { type: 'string', description: 'Member mailboxes, comma-separated', valueName: 'addresses' },
            description: { type: 'string', description: 'What the group is for', valueName: 'text' },
          },
          async run(ctx) {
            const members = (requireString(ctx, 'members') ?? '')
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean);
            const description = requireString(ctx, 'description');
            const body = { address: arg(ctx, 1, 'group-address'), members, ...(description ? { description } : {}) };
            const path = { address: arg(ctx, 0, 'cab-address') };
            printGroup(
              ctx,
              await answer((await apiClient(ctx)).api.POST('/api/v1/mailboxes/{address}/groups', { params: { path }, body })),
            );
            return 0;
          },
        }),
        leaf({
          name: 'list',
          summary: 'The CAB’s group addresses and their members',
          args: '<cab-address>',
          async run(ctx) {
            const path = { address: arg(ctx, 0, 'cab-address') };
            const r = await answer((await apiClient(ctx)).api.GET('/api/v1/mailboxes/{address}/groups', { params: { path } }));
            if (ctx.values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
            else for (const g of r.groups) printGroup(ctx, g);
            return 0;
          },
        }),
        leaf({
          name: 'add',
          summary: 'Add a mailbox of the practice to a group',
          args: '<cab-address> <group-address> <member-address>',
          async run(ctx) {
            const path = { address: arg(ctx, 0, 'cab-address'), group: arg(ctx, 1, 'group-address') };
            const body = { address: arg(ctx, 2, 'member-address') };
            const api = (await apiClient(ctx)).api;
            printGroup(ctx, await answer(api.POST('/api/v1/mailboxes/{address}/groups/{group}/members', { params: { path }, body })));
            return 0;
          },
        }),
        leaf({
          name: 'remove',
          summary: 'Take a mailbox out of a group (never the last one: close the group)',
          args: '<cab-address> <group-address> <member-address>',
          async run(ctx) {
            const path = {
              address: arg(ctx, 0, 'cab-address'),
              group: arg(ctx, 1, 'group-address'),
              member: arg(ctx, 2, 'member-address'),
            };
            const api = (await apiClient(ctx)).api;
            printGroup(ctx, await answer(api.DELETE('/api/v1/mailboxes/{address}/groups/{group}/members/{member}', { params: { path } })));
            return 0;
          },
        }),
        leaf({
          name: 'close',
          summary: 'Close a group: mail to it is refused; its address is never given again',
          args: '<cab-address> <group-address>',
          options: { reason: { type: 'string', description: 'Why (kept in the CAB’s history)', valueName: 'text' } },
          async run(ctx) {
            const path = { address: arg(ctx, 0, 'cab-address'), group: arg(ctx, 1, 'group-address') };
            const api = (await apiClient(ctx)).api;
            printGroup(
              ctx,
              await answer(api.DELETE('/api/v1/mailboxes/{address}/groups/{group}', { params: { path, query: reasonQuery(ctx) } })),
            );
            return 0;
          },
        }),
      ],
    },
    leaf({
      name: 'release',
      summary: 'Release a closed mailbox’s address for a future holder, after the operator’s waiting period (--admin) — R-BAL-2',
      args: '<address>',
      options: { reason: { type: 'string', description: 'Why (required; kept in the history)', valueName: 'text' } },
      async run(ctx) {
        const reason = requireString(ctx, 'reason');
        if (!reason) throw new MssError('USAGE', '--reason is required: a release is audited', { exitCode: 2 });
        return onMailbox(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/release', { params: { path }, body: { reason } }));
      },
    }),
    leaf({
      name: 'transfer',
      summary: 'Transfer ownership of a CAB to another PS (or an ORG/APP to another structure, --admin) — R-CAB-6',
      args: '<address> <new-owner-idnat>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        const body = { newOwnerIdnat: arg(ctx, 1, 'new-owner-idnat'), ...reasonQuery(ctx) };
        return onMailbox(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/transfer', { params: { path }, body }));
      },
    }),
    leaf({
      name: 'attach',
      summary: 'Attach a PER or CAB to another of your situations d’exercice in the directory, or to none ("none": shown on all) — R-ANN-1',
      args: '<address> <situation-id|none>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        const to = arg(ctx, 1, 'situation-id|none');
        const body = { situationId: to === 'none' ? null : to, ...reasonQuery(ctx) };
        return onMailbox(ctx, (api, path) => api.PUT('/api/v1/mailboxes/{address}/attachment', { params: { path }, body }));
      },
    }),
    leaf({
      name: 'delegate',
      summary: 'Delegate a mailbox to a PS, secretary or medical assistant — R-DEL-1/2',
      args: '<address> <idnat>',
      options: { until: { type: 'string', description: 'End date (YYYY-MM-DD, through that day)', valueName: 'date' } },
      async run(ctx) {
        const until = requireString(ctx, 'until');
        const body = { delegateIdnat: arg(ctx, 1, 'idnat'), ...(until ? { endAt: until } : {}) };
        return onMailbox(ctx, (api, path) => api.POST('/api/v1/mailboxes/{address}/delegations', { params: { path }, body }));
      },
    }),
    leaf({
      name: 'revoke',
      summary: 'Revoke a delegation (its id is in "mss bal show"); the delegate’s sessions end at once',
      args: '<address> <delegation-id>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        const raw = arg(ctx, 1, 'delegation-id');
        if (!/^[0-9]+$/.test(raw)) throw new MssError('USAGE', `delegation id "${raw}" is not a number`, { exitCode: 2 });
        const params = (path: { address: string }) => ({ path: { ...path, id: Number(raw) }, query: reasonQuery(ctx) });
        return onMailbox(ctx, (api, path) => api.DELETE('/api/v1/mailboxes/{address}/delegations/{id}', { params: params(path) }));
      },
    }),
    leaf({
      name: 'history',
      summary: 'The history of a mailbox: every cotitulaire, delegation, ownership, status event, with who did it',
      args: '<address>',
      async run(ctx) {
        const path = { address: arg(ctx, 0, 'address') };
        const { api } = await apiClient(ctx);
        const entries: HistoryEntry[] = [];
        // Pages of 500 (the most the API gives), following the `after` of each `next` link.
        let after: number | undefined;
        for (;;) {
          const query = { limit: 500, ...(after === undefined ? {} : { after }) };
          const page = await answer(api.GET('/api/v1/mailboxes/{address}/history', { params: { path, query } }));
          entries.push(...page.entries);
          if (!page.next) break;
          after = Number(new URL(page.next, 'http://next.invalid').searchParams.get('after'));
        }
        ctx.stdout.write(
          ctx.values.json
            ? `${JSON.stringify({ entries })}\n`
            : `${table(
                entries.map((e) => [e.at.replace('T', ' ').slice(0, 19), e.event, e.actor, e.subjectIdnat ?? '', e.reason ?? '']),
                ['WHEN (UTC)', 'EVENT', 'BY', 'WHOM', 'WHY'],
              )}\n`,
        );
        return 0;
      },
    }),
  ],
};

/** The version to accept: the argument or --version (the CGU page shows the latter), not two different ones. */
function cguVersion(ctx: CommandContext): string | undefined {
  const option = requireString(ctx, 'version');
  const [positional, ...extra] = ctx.positionals;
  if (extra.length > 0) throw new MssError('USAGE', `mss cgu accept takes one version (got ${ctx.positionals.length})`, { exitCode: 2 });
  if (option !== undefined && positional !== undefined && option !== positional) {
    throw new MssError('USAGE', `two versions given: "${positional}" and --version "${option}"`, { exitCode: 2 });
  }
  return option ?? positional;
}

export const cguCommand: Command = {
  name: 'cgu',
  summary: 'The operator’s terms of use: publish a version (admin), accept it (a person)',
  subcommands: [
    leaf({
      name: 'publish',
      summary: 'Publish a new CGU version; everyone must accept it before their next access',
      args: '<version>',
      options: { title: { type: 'string', description: 'Title of the version', valueName: 'text' } },
      async run(ctx) {
        const v = arg(ctx, 0, 'version');
        const body = { version: v, title: requireString(ctx, 'title') ?? `CGU ${v}` };
        const r = await answer((await apiClient(ctx)).api.POST('/api/v1/cgu', { body }));
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(r)}\n` : `published CGU ${r.version} (${r.url})\n`);
        return 0;
      },
    }),
    leaf({
      name: 'accept',
      summary: 'Accept the current CGU (or the given version) as the acting person',
      args: '[version]',
      options: { version: { type: 'string', description: 'The version to accept (the same as the argument)', valueName: 'version' } },
      async run(ctx) {
        const { api } = await apiClient(ctx);
        const version = cguVersion(ctx) ?? (await answer(api.GET('/api/v1/cgu/current'))).version;
        const r = await answer(api.POST('/api/v1/cgu/{version}/accept', { params: { path: { version } } }));
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(r)}\n` : `accepted CGU ${r.version} at ${r.acceptedAt}\n`);
        return 0;
      },
    }),
  ],
};
