import { atom, untagged, type CommandOf } from '../../protocol/index.ts';
import type { SessionContext } from './context.ts';

/** What ENABLE can turn on (RFC 5161): the others are ignored, as §3.1 says. */
const ENABLEABLE = new Set(['CONDSTORE']);

/** RFC 5161 §3.1: `* ENABLED` lists what this command turned on. */
export function enable(ctx: SessionContext, cmd: CommandOf<'ENABLE'>): void {
  const enabled = cmd.args.capabilities.filter((c) => ENABLEABLE.has(c));
  for (const c of enabled) ctx.enabled.add(c);
  ctx.write(untagged(atom('ENABLED'), ...enabled.map(atom)));
  ctx.ok(cmd.tag, 'ENABLE completed');
}
