import { cibaToken } from '@mss/psc';
import { MssError, loadConfig } from '@mss/runtime';
import { requireString, type Command, type CommandContext, type OptionSpec } from '../cli.ts';
import { requirePersonIdnat } from '../idnat-option.ts';

// `mss rpps`: the RPPS+ portal's JSON API for scripts (stand-ins/rpps-plus/README.md). The
// titular acts with a Pro Santé Connect token obtained here by CIBA (approved on the simulated
// e-CPS); the applicant's side is the sandbox's scripted API (FranceConnect has no other flow).

const PORTAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', description: 'Base URL of the RPPS+ portal (default: the sandbox’s rppsPlus endpoint)', valueName: 'url' },
  psc: { type: 'string', description: 'Base URL of the PSC stand-in (default: the sandbox’s)', valueName: 'url' },
  'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
  json: { type: 'boolean', description: 'Print the API’s JSON answer' },
};

const TITULAR_OPTION: Record<string, OptionSpec> = {
  idnat: { type: 'string', description: 'IdNat of the titular (the employer), e.g. 810000001056', valueName: 'idnat' },
};

function urls(ctx: CommandContext): { portal: string; psc: string } {
  const config = loadConfig({ portBase: requireString(ctx, 'port-base') });
  return {
    portal: (requireString(ctx, 'url') ?? `http://${config.host}:${config.ports.rppsPlus}`).replace(/\/$/, ''),
    psc: (requireString(ctx, 'psc') ?? `http://${config.host}:${config.ports.psc}`).replace(/\/$/, ''),
  };
}

function requestId(ctx: CommandContext): number {
  const v = ctx.positionals[0];
  if (v === undefined || ctx.positionals.length > 1 || !/^\d{1,12}$/.test(v))
    throw new MssError('USAGE', 'give exactly one <request id> (the number "mss rpps request" printed)', { exitCode: 2 });
  return Number(v);
}

async function titularToken(ctx: CommandContext, pscUrl: string): Promise<string> {
  const given = requireString(ctx, 'idnat');
  if (!given) throw new MssError('USAGE', '--idnat (the titular who employs her) is required', { exitCode: 2 });
  return (await cibaToken({ pscUrl, idnat: requirePersonIdnat(given, '--idnat') })).access_token;
}

/** One API call; a problem+json answer becomes an MssError with its French detail and its code. */
async function call(url: string, method: string, body?: unknown, token?: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new MssError('RPPS_PLUS_UNREACHABLE', `the RPPS+ portal at ${new URL(url).origin} is unreachable (is "mss sandbox" running?)`, {
      cause: err,
    });
  }
  const text = await res.text();
  const answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!res.ok) {
    const code =
      String(answer.type ?? '')
        .split('/')
        .pop() || `http-${res.status}`;
    throw new MssError('RPPS_PLUS_REFUSED', `${answer.detail ?? res.statusText} (${code})`);
  }
  return answer;
}

function print(ctx: CommandContext, answer: Record<string, unknown>, line: string): number {
  ctx.stdout.write(ctx.values.json ? `${JSON.stringify(answer)}\n` : `${line}\n`);
  return 0;
}

const KINDS: Record<string, string> = { secretary: 'SECRETARY', assistant: 'MEDICAL_ASSISTANT' };

export const rppsCommand: Command = {
  name: 'rpps',
  summary: 'The RPPS+ portal for scripts: registration requests, validation by the employer, end of a situation (story 2)',
  subcommands: [
    {
      name: 'request',
      summary: 'File a registration request as a secretary or medical assistant (sandbox API; on the portal it is FranceConnect)',
      description:
        'Example: npx mss rpps request --employer 10000001056 --last-name BERNARD --first-names "Julie Marie" --birth-date 1991-07-04',
      options: {
        ...PORTAL_OPTIONS,
        employer: { type: 'string', description: 'RPPS or IdNat of the professional who employs her', valueName: 'rpps' },
        practice: { type: 'string', description: 'The employer’s situation d’exercice id, when they have several', valueName: 'id' },
        'last-name': { type: 'string', description: 'Birth name', valueName: 'name' },
        'first-names': { type: 'string', description: 'First names, space-separated', valueName: 'names' },
        'birth-date': { type: 'string', description: 'YYYY-MM-DD', valueName: 'date' },
        civility: { type: 'string', description: 'MME or M', default: 'MME', valueName: 'civility' },
        kind: { type: 'string', description: 'secretary or assistant', default: 'secretary', valueName: 'kind' },
        email: { type: 'string', description: 'Contact e-mail', valueName: 'address' },
        phone: { type: 'string', description: 'Contact phone', valueName: 'number' },
      },
      async run(ctx) {
        const kind = KINDS[requireString(ctx, 'kind') ?? 'secretary'];
        if (!kind) throw new MssError('USAGE', '--kind must be secretary or assistant', { exitCode: 2 });
        const u = urls(ctx);
        const answer = await call(`${u.portal}/api/v1/demandes`, 'POST', {
          civility: requireString(ctx, 'civility') ?? 'MME',
          lastName: requireString(ctx, 'last-name') ?? '',
          firstNames: requireString(ctx, 'first-names') ?? '',
          birthDate: requireString(ctx, 'birth-date') ?? '',
          email: requireString(ctx, 'email') ?? '',
          phone: requireString(ctx, 'phone') ?? '',
          kind,
          employer: requireString(ctx, 'employer') ?? '',
          practice: requireString(ctx, 'practice') ?? '',
        });
        return print(ctx, answer, `request ${answer.id} pending (${answer.practiceName}, employer ${answer.employerIdnat})`);
      },
    },
    {
      name: 'show',
      summary: 'A request as its applicant sees it (her RPPS once made known), or with --idnat as the titular sees it (every step)',
      args: '<request id>',
      options: { ...PORTAL_OPTIONS, ...TITULAR_OPTION },
      async run(ctx) {
        const id = requestId(ctx);
        const u = urls(ctx);
        const token = requireString(ctx, 'idnat') ? await titularToken(ctx, u.psc) : undefined;
        const a = await call(`${u.portal}/api/v1/demandes/${id}`, 'GET', undefined, token);
        const lines = [
          `request ${a.id} ${a.status}${a.idnat ? `: IdNat ${a.idnat}` : ''}${a.endDate ? `, situation ends ${a.endDate}` : ''}`,
        ];
        if (a.ecpsActiveAt) lines.push(`e-CPS active from ${a.ecpsActiveAt}`);
        for (const e of (a.events as { at: string; actor: string; action: string; detail: string | null }[] | undefined) ?? [])
          lines.push(`  ${e.at}  ${e.action.padEnd(14)}  ${e.actor}${e.detail ? `  ${e.detail}` : ''}`);
        return print(ctx, a, lines.join('\n'));
      },
    },
    {
      name: 'validate',
      summary: 'Validate a request as the employer it names (a PSC token by CIBA): hands out her RPPS',
      args: '<request id>',
      options: { ...PORTAL_OPTIONS, ...TITULAR_OPTION },
      async run(ctx) {
        const id = requestId(ctx);
        const u = urls(ctx);
        const a = await call(`${u.portal}/api/v1/demandes/${id}/validation`, 'POST', {}, await titularToken(ctx, u.psc));
        return print(ctx, a, `request ${a.id} validated: RPPS ${a.rpps} (IdNat ${a.idnat}), made known to her from ${a.rppsNoticeAt}`);
      },
    },
    {
      name: 'refuse',
      summary: 'Refuse a request as the employer it names',
      args: '<request id>',
      options: { ...PORTAL_OPTIONS, ...TITULAR_OPTION, reason: { type: 'string', description: 'Why', valueName: 'text' } },
      async run(ctx) {
        const id = requestId(ctx);
        const u = urls(ctx);
        const a = await call(
          `${u.portal}/api/v1/demandes/${id}/refus`,
          'POST',
          { reason: requireString(ctx, 'reason') ?? '' },
          await titularToken(ctx, u.psc),
        );
        return print(ctx, a, `request ${a.id} refused`);
      },
    },
    {
      name: 'activate-ecps',
      summary: 'Ask for her e-CPS once her RPPS is known (sandbox API); PSC knows her after the activation delay',
      args: '<request id>',
      options: PORTAL_OPTIONS,
      async run(ctx) {
        const id = requestId(ctx);
        const a = await call(`${urls(ctx).portal}/api/v1/demandes/${id}/activation-ecps`, 'POST', {});
        return print(ctx, a, `e-CPS of ${a.idnat} active from ${a.ecpsActiveAt}`);
      },
    },
    {
      name: 'end-situation',
      summary: 'Set the end date of the situation a validated request created, or end it now (as its employer)',
      args: '<request id>',
      options: {
        ...PORTAL_OPTIONS,
        ...TITULAR_OPTION,
        date: { type: 'string', description: 'End date YYYY-MM-DD (today or later); default: now', valueName: 'date' },
      },
      async run(ctx) {
        const id = requestId(ctx);
        const u = urls(ctx);
        const date = requireString(ctx, 'date');
        const a = await call(
          `${u.portal}/api/v1/demandes/${id}/fin`,
          'POST',
          date ? { endDate: date } : {},
          await titularToken(ctx, u.psc),
        );
        return print(ctx, a, `situation ${a.situation} of ${a.idnat} ends ${a.endDate}`);
      },
    },
  ],
};
