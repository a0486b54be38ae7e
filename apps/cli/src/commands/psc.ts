import { approveRequest, cibaToken, denyRequest } from '@mss/psc';
import { MssError, loadConfig } from '@mss/runtime';
import { requireString, type Command, type CommandContext, type OptionSpec } from '../cli.ts';
import { requirePersonIdnat } from '../idnat-option.ts';

const PSC_OPTIONS: Record<string, OptionSpec> = {
  psc: { type: 'string', description: 'Base URL of the PSC stand-in', default: 'http://127.0.0.1:8081', valueName: 'url' },
  'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
};

function pscUrl(ctx: CommandContext): string {
  const explicit = requireString(ctx, 'psc');
  if (explicit) return explicit.replace(/\/$/, '');
  const config = loadConfig({ portBase: requireString(ctx, 'port-base') });
  return `http://${config.host}:${config.ports.psc}`;
}

function oneArg(ctx: CommandContext, name: string): string {
  const v = ctx.positionals[0];
  if (v === undefined || ctx.positionals.length > 1) throw new MssError('USAGE', `give exactly one <${name}>`, { exitCode: 2 });
  return v;
}

/** `mss psc approve|deny <auth_req_id>`: what the person does on the simulated e-CPS. */
function cibaDecision(name: string, summary: string, decide: (pscUrl: string, authReqId: string) => Promise<void>, done: string): Command {
  return {
    name,
    summary,
    args: '<auth_req_id>',
    options: PSC_OPTIONS,
    async run(ctx) {
      await decide(pscUrl(ctx), oneArg(ctx, 'auth_req_id'));
      ctx.stdout.write(`${done}\n`);
      return 0;
    },
  };
}

export const pscCommand: Command = {
  name: 'psc',
  summary: 'The Pro Santé Connect stand-in: tokens for scripts, the simulated e-CPS, key rotation',
  subcommands: [
    {
      name: 'token',
      summary: 'Print a fresh access token for a person (a real CIBA exchange, approved on the simulated e-CPS)',
      description: 'Example: TOKEN=$(npx mss psc token --idnat 810000001056)  — then use it with SMTP/IMAP XOAUTH2 or the admin API.',
      options: {
        ...PSC_OPTIONS,
        idnat: { type: 'string', description: 'IdNat of the person (e.g. 810000001056, the demo GP)', valueName: 'idnat' },
        client: { type: 'string', description: 'Client id', default: 'mss-lps-sandbox', valueName: 'id' },
        secret: { type: 'string', description: 'Client secret (defaults to the sandbox secret of the known clients)', valueName: 'secret' },
        'no-approve': {
          type: 'boolean',
          description: 'Do not approve automatically: wait for approval on the e-CPS page or "mss psc approve"',
        },
        json: { type: 'boolean', description: 'Print the whole token response as JSON' },
        'binding-message': {
          type: 'string',
          description: 'Shown on the e-CPS so the person can tell this request from another (PSC clients send one)',
          default: 'mss psc token',
          valueName: 'text',
        },
      },
      async run(ctx) {
        const given = requireString(ctx, 'idnat');
        if (!given) throw new MssError('USAGE', '--idnat is required', { exitCode: 2 });
        const idnat = requirePersonIdnat(given, '--idnat');
        const client = requireString(ctx, 'client');
        const secret = requireString(ctx, 'secret') ?? (client === 'mss-bench' ? 'mss-bench-secret' : undefined);
        const t = await cibaToken({
          pscUrl: pscUrl(ctx),
          idnat,
          ...(client ? { clientId: client } : {}),
          ...(secret ? { clientSecret: secret } : {}),
          autoApprove: !ctx.values['no-approve'],
          bindingMessage: requireString(ctx, 'binding-message') ?? 'mss psc token',
        });
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(t)}\n` : `${t.access_token}\n`);
        return 0;
      },
    },
    cibaDecision('approve', 'Approve a pending CIBA request, as the person would on their e-CPS', approveRequest, 'approved'),
    cibaDecision('deny', 'Deny a pending CIBA request', denyRequest, 'denied'),
    {
      name: 'rotate-keys',
      summary: 'Publish a new signing key; the old one stays in the JWKS until tokens it signed have expired',
      options: PSC_OPTIONS,
      async run(ctx) {
        const url = `${pscUrl(ctx)}/admin/rotate-keys`;
        let res: Response;
        try {
          res = await fetch(url, { method: 'POST' });
        } catch {
          throw new MssError('PSC_UNREACHABLE', `cannot reach Pro Santé Connect at ${pscUrl(ctx)} (is "mss sandbox" running?)`);
        }
        const body = (await res.json().catch(() => ({}))) as { kid?: string; detail?: string };
        if (!res.ok) throw new MssError('PSC_ERROR', `key rotation refused: ${res.status} ${body.detail ?? ''}`.trim());
        ctx.stdout.write(`new signing key ${body.kid}\n`);
        return 0;
      },
    },
  ],
};
