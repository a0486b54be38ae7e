import { identify } from '@mss/domain';
import { MssError } from '@mss/runtime';
import type { Command } from '../cli.ts';

export const idCheck: Command = {
  name: 'check',
  summary: 'Say which kind of identifier a value is and whether it is valid (exit 0 valid, 1 invalid)',
  args: '<value>',
  description:
    'Recognises RPPS, ADELI, IdNat of a person or structure, FINESS, SIREN, SIRET, INS (NIR + key, Corsica 2A/2B)\n' +
    'and MSSanté addresses (professional, or patient <INS>@patient.mssante.fr). A value that fits several shapes\n' +
    '(a 9-character FINESS/ADELI/SIREN) is checked as each of them.',
  options: { json: { type: 'boolean', description: 'Print the result as JSON' } },
  async run(ctx) {
    const value = ctx.positionals[0];
    if (value === undefined || ctx.positionals.length > 1)
      throw new MssError('USAGE', 'mss id check takes exactly one value', { exitCode: 2 });
    const results = identify(value);
    const valid = results.some((r) => r.valid);
    if (ctx.values.json) {
      ctx.stdout.write(
        `${JSON.stringify({ value, valid, interpretations: results.map((r) => ({ kind: r.kind, valid: r.valid, detail: r.detail, ...(r.error ? { rule: r.error.rule } : {}) })) })}\n`,
      );
    } else if (results.length === 0) {
      ctx.stdout.write(`${value}: not a known identifier (RPPS, ADELI, IdNat, FINESS, SIREN, SIRET, INS, MSSanté address)\n`);
    } else {
      for (const r of results)
        ctx.stdout.write(`${r.valid ? '✔' : '✘'} ${r.kind.padEnd(15)} ${r.valid ? r.detail : (r.error?.message ?? r.detail)}\n`);
    }
    return valid ? 0 : 1;
  },
};
