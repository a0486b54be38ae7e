import { MssError } from '@mss/runtime';
import type { Command, CommandContext } from '../cli.ts';
import { requireString } from '../cli.ts';
import { API_OPTIONS, apiClient, mailboxPath, table } from '../api-client.ts';

function arg(ctx: CommandContext, i: number, name: string): string {
  const v = ctx.positionals[i];
  if (v === undefined) throw new MssError('USAGE', `missing <${name}>`, { exitCode: 2 });
  return v;
}

function printMailbox(ctx: CommandContext, m: any): void {
  if (ctx.values.json) {
    ctx.stdout.write(`${JSON.stringify(m)}\n`);
    return;
  }
  const lines = [
    `${m.address}  ${m.type}  ${m.status}${m.listeRouge ? '  liste rouge' : ''}`,
    `attached to ${m.ownerIdnat}${m.description ? `  — ${m.description}` : ''}${m.service ? `  (service ${m.service})` : ''}`,
    '',
    table(m.holders.map((h: any) => [h.role, h.idnat, h.addedAt, h.addedBy]), ['ROLE', 'IDNAT', 'SINCE', 'ADDED BY']),
  ];
  if (m.delegations?.length) {
    lines.push('', table(m.delegations.map((d: any) => [d.id, d.delegateIdnat, d.grantedBy, d.startAt, d.endAt ?? '—']), ['DELEGATION', 'DELEGATE', 'GRANTED BY', 'FROM', 'UNTIL']));
  }
  ctx.stdout.write(`${lines.join('\n')}\n`);
}

/** `?reason=…` when the caller gave --reason: DELETE carries its reason in the query. */
function reasonQuery(ctx: CommandContext): string {
  const reason = requireString(ctx, 'reason');
  return reason ? `?reason=${encodeURIComponent(reason)}` : '';
}

const leaf = (c: Omit<Command, 'options'> & { options?: Command['options'] }): Command => ({ ...c, options: { ...API_OPTIONS, ...(c.options ?? {}) } });

export const balCommand: Command = {
  name: 'bal',
  summary: 'Mailbox governance through the admin API: create, list, show, close, liste rouge, cotitulaires, transfer, delegations, history',
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
        const api = await apiClient(ctx);
        const type = requireString(ctx, 'type');
        if (!type) throw new MssError('USAGE', '--type is required (PER, ORG, APP or CAB)', { exitCode: 2 });
        const body: Record<string, unknown> = { type: type.toUpperCase(), address: arg(ctx, 0, 'address') };
        if (requireString(ctx, 'holder')) body.holderIdnat = requireString(ctx, 'holder');
        if (requireString(ctx, 'structure')) body.structureIdnat = requireString(ctx, 'structure');
        if (requireString(ctx, 'responsible')) body.responsibleIdnats = requireString(ctx, 'responsible')!.split(',').map((s) => s.trim()).filter(Boolean);
        if (requireString(ctx, 'description')) body.description = requireString(ctx, 'description');
        if (requireString(ctx, 'service')) body.service = requireString(ctx, 'service');
        if (ctx.values['liste-rouge']) body.listeRouge = true;
        printMailbox(ctx, await api.call('POST', '/api/v1/mailboxes', body));
        return 0;
      },
    }),
    leaf({
      name: 'list',
      summary: 'The mailboxes you hold, co-hold or are delegated, with your role',
      async run(ctx) {
        const r = await (await apiClient(ctx)).call('GET', '/api/v1/mailboxes');
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(r)}\n` : `${table(r.mailboxes.map((m: any) => [m.address, m.type, m.status, m.role, m.endAt ?? '']), ['ADDRESS', 'TYPE', 'STATUS', 'ROLE', 'UNTIL'])}\n`);
        return 0;
      },
    }),
    leaf({
      name: 'show',
      summary: 'One mailbox: status, attachment, holders, delegations',
      args: '<address>',
      async run(ctx) {
        printMailbox(ctx, await (await apiClient(ctx)).call('GET', mailboxPath(arg(ctx, 0, 'address'))));
        return 0;
      },
    }),
    leaf({
      name: 'close',
      summary: 'Close a mailbox (operator admin; a CAB owner uses "delete"); closing is final',
      args: '<address>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        printMailbox(ctx, await (await apiClient(ctx)).call('POST', `${mailboxPath(arg(ctx, 0, 'address'))}/status`, { status: 'closed', reason: requireString(ctx, 'reason') ?? '' }));
        return 0;
      },
    }),
    leaf({
      name: 'delete',
      summary: 'Delete (close) a CAB as its owner, or an ORG/APP as the operator',
      args: '<address>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        printMailbox(ctx, await (await apiClient(ctx)).call('DELETE', `${mailboxPath(arg(ctx, 0, 'address'))}${reasonQuery(ctx)}`));
        return 0;
      },
    }),
    leaf({
      name: 'liste-rouge',
      summary: 'Put a mailbox on liste rouge (on) or publish it again (off) — R-BAL-3',
      args: '<address> <on|off>',
      async run(ctx) {
        const v = arg(ctx, 1, 'on|off');
        if (v !== 'on' && v !== 'off') throw new MssError('USAGE', 'say "on" or "off"', { exitCode: 2 });
        printMailbox(ctx, await (await apiClient(ctx)).call('PATCH', mailboxPath(arg(ctx, 0, 'address')), { listeRouge: v === 'on' }));
        return 0;
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
            printMailbox(ctx, await (await apiClient(ctx)).call('POST', `${mailboxPath(arg(ctx, 0, 'address'))}/cotitulaires`, { idnat: arg(ctx, 1, 'idnat') }));
            return 0;
          },
        }),
        leaf({
          name: 'remove',
          summary: 'Remove a cotitulaire; their open sessions end',
          args: '<address> <idnat>',
          options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
          async run(ctx) {
            printMailbox(ctx, await (await apiClient(ctx)).call('DELETE', `${mailboxPath(arg(ctx, 0, 'address'))}/cotitulaires/${encodeURIComponent(arg(ctx, 1, 'idnat'))}${reasonQuery(ctx)}`));
            return 0;
          },
        }),
      ],
    },
    leaf({
      name: 'transfer',
      summary: 'Transfer ownership of a CAB to another PS (or an ORG/APP to another structure, --admin) — R-CAB-6',
      args: '<address> <new-owner-idnat>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        printMailbox(ctx, await (await apiClient(ctx)).call('POST', `${mailboxPath(arg(ctx, 0, 'address'))}/transfer`, { newOwnerIdnat: arg(ctx, 1, 'new-owner-idnat'), ...(requireString(ctx, 'reason') ? { reason: requireString(ctx, 'reason') } : {}) }));
        return 0;
      },
    }),
    leaf({
      name: 'delegate',
      summary: 'Delegate a mailbox to a PS, secretary or medical assistant — R-DEL-1/2',
      args: '<address> <idnat>',
      options: { until: { type: 'string', description: 'End date (YYYY-MM-DD, through that day)', valueName: 'date' } },
      async run(ctx) {
        const until = requireString(ctx, 'until');
        printMailbox(ctx, await (await apiClient(ctx)).call('POST', `${mailboxPath(arg(ctx, 0, 'address'))}/delegations`, { delegateIdnat: arg(ctx, 1, 'idnat'), ...(until ? { endAt: until } : {}) }));
        return 0;
      },
    }),
    leaf({
      name: 'revoke',
      summary: 'Revoke a delegation (its id is in "mss bal show"); the delegate’s sessions end at once',
      args: '<address> <delegation-id>',
      options: { reason: { type: 'string', description: 'Why (kept in the history)', valueName: 'text' } },
      async run(ctx) {
        const id = arg(ctx, 1, 'delegation-id');
        if (!/^[0-9]+$/.test(id)) throw new MssError('USAGE', `delegation id "${id}" is not a number`, { exitCode: 2 });
        printMailbox(ctx, await (await apiClient(ctx)).call('DELETE', `${mailboxPath(arg(ctx, 0, 'address'))}/delegations/${id}${reasonQuery(ctx)}`));
        return 0;
      },
    }),
    leaf({
      name: 'history',
      summary: 'The history of a mailbox: every cotitulaire, delegation, ownership, status event, with who did it',
      args: '<address>',
      async run(ctx) {
        const api = await apiClient(ctx);
        const entries: any[] = [];
        let next: string | null = `${mailboxPath(arg(ctx, 0, 'address'))}/history?limit=500`;
        while (next) {
          const page: { entries: any[]; next: string | null } = await api.call('GET', next);
          entries.push(...page.entries);
          next = page.next;
        }
        ctx.stdout.write(
          ctx.values.json
            ? `${JSON.stringify({ entries })}\n`
            : `${table(entries.map((e) => [e.at.replace('T', ' ').slice(0, 19), e.event, e.actor, e.subjectIdnat ?? '', e.reason ?? '']), ['WHEN (UTC)', 'EVENT', 'BY', 'WHOM', 'WHY'])}\n`,
        );
        return 0;
      },
    }),
  ],
};

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
        const r = await (await apiClient(ctx)).call('POST', '/api/v1/cgu', { version: v, title: requireString(ctx, 'title') ?? `CGU ${v}` });
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(r)}\n` : `published CGU ${r.version} (${r.url})\n`);
        return 0;
      },
    }),
    leaf({
      name: 'accept',
      summary: 'Accept the current CGU (or the given version) as the acting person',
      args: '[version]',
      async run(ctx) {
        const api = await apiClient(ctx);
        const v = ctx.positionals[0] ?? (await api.call('GET', '/api/v1/cgu/current')).version;
        const r = await api.call('POST', `/api/v1/cgu/${encodeURIComponent(v)}/accept`);
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(r)}\n` : `accepted CGU ${r.version} at ${r.acceptedAt}\n`);
        return 0;
      },
    }),
  ],
};
