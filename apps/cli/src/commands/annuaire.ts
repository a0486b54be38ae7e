import { SANDBOX_API_KEY, type MailboxCandidate, type Resolution } from '@mss/annuaire';
import { loadClientEnvironment, loadConfig, MssError } from '@mss/runtime';
import { requireString, type Command } from '../cli.ts';

const resolve: Command = {
  name: 'resolve',
  summary: 'Which mailbox to write to for a professional in a context (R-ANN-4), from the Annuaire',
  description:
    "Asks the Annuaire Santé stand-in's resolver (GET /resolve) which published mailbox of a professional fits the\n" +
    'context: the structure the document is for, or a postal code or city. When none fits, every published mailbox\n' +
    "of the person is listed with its situation d'exercice. Exit 0 when a mailbox was chosen, 1 when it was not\n" +
    '(no match, or no published mailbox), 2 for a usage error.',
  options: {
    professional: { type: 'string', description: 'IdNat or RPPS of the professional (required)', valueName: 'id' },
    structure: { type: 'string', description: 'FINESS, SIRET or structure IdNat of where the document goes', valueName: 'id' },
    'postal-code': { type: 'string', description: 'Postal code of the practice', valueName: 'code' },
    city: { type: 'string', description: 'City of the practice (case, accents and hyphens ignored)', valueName: 'name' },
    'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
    url: { type: 'string', description: "The Annuaire's HTTP origin", default: 'http://127.0.0.1:8082 (annuaireHttp)', valueName: 'url' },
    key: { type: 'string', description: 'ESANTE-API-KEY', default: 'MSS_ANNUAIRE_API_KEY, else the sandbox key', valueName: 'key' },
    json: { type: 'boolean', description: "Print the resolver's JSON answer" },
  },
  async run(ctx) {
    if (ctx.positionals.length > 0)
      throw new MssError('USAGE', `mss annuaire resolve takes options only (got "${ctx.positionals[0]}"): --professional <IdNat|RPPS>`, {
        exitCode: 2,
      });
    const professional = requireString(ctx, 'professional');
    if (!professional) throw new MssError('USAGE', '--professional is required (an IdNat or an RPPS)', { exitCode: 2 });
    const config = loadConfig({ portBase: requireString(ctx, 'port-base') });
    const origin = (requireString(ctx, 'url') ?? `http://${config.host}:${config.ports.annuaireHttp}`).replace(/\/$/, '');
    const q = new URLSearchParams({ professional });
    for (const [opt, param] of [
      ['structure', 'structure'],
      ['postal-code', 'postal-code'],
      ['city', 'city'],
    ] as const) {
      const v = requireString(ctx, opt);
      if (v !== undefined) q.set(param, v);
    }
    const url = `${origin}/resolve?${q}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { 'ESANTE-API-KEY': requireString(ctx, 'key') ?? loadClientEnvironment().annuaireApiKey ?? SANDBOX_API_KEY },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new MssError(
        'ANNUAIRE_UNREACHABLE',
        `the Annuaire is not reachable at ${origin} (${cause}): is mss sandbox running? (--port-base, --url)`,
      );
    }
    const body = (await res.json().catch(() => null)) as (Resolution & { detail?: string }) | null;
    if (!res.ok)
      throw new MssError('ANNUAIRE_RESOLVE', `the Annuaire answered ${res.status}: ${body?.detail ?? 'no detail'}`, {
        exitCode: res.status === 400 ? 2 : 1,
      });
    const r = body!;
    if (ctx.values.json) {
      ctx.stdout.write(`${JSON.stringify(r)}\n`);
    } else {
      const lines = [`${r.professional.name} (IdNat ${r.professional.idnat}${r.professional.rpps ? `, RPPS ${r.professional.rpps}` : ''})`];
      const context = Object.entries(r.context)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      lines.push(`context: ${context || 'none'}`);
      lines.push(r.mailbox ? `→ ${r.mailbox.address} (${r.mailbox.type})` : `→ no mailbox chosen (${r.outcome})`);
      lines.push(`  why: ${r.reason}`);
      if (r.candidates.length > 0) {
        lines.push('published mailboxes:');
        for (const c of r.candidates) lines.push(`  ${c.matched ? '✔' : ' '} ${c.address}  ${c.type}  ${where(c)}`);
      }
      ctx.stdout.write(`${lines.join('\n')}\n`);
    }
    return r.mailbox ? 0 : 1;
  },
};

function where(c: MailboxCandidate): string {
  const s = c.situation;
  if (!s) return 'attached to no situation (valid for all)';
  const name = s.structure?.name ?? s.practiceName ?? '';
  return `${name}${name ? ', ' : ''}${s.postalCode} ${s.city}${s.active ? '' : ' (ended)'}`;
}

export const annuaireCommand: Command = {
  name: 'annuaire',
  summary: 'The Annuaire Santé stand-in: multi-mailbox resolution',
  subcommands: [resolve],
};
