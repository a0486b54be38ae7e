import { atom, untagged, type CommandOf } from '../../protocol/index.ts';
import type { SessionContext } from './context.ts';

/**
 * What ENABLE can turn on (RFC 5161): the others are ignored, as §3.1 says. IMAP4rev2 (RFC 9051
 * §6.3.1) switches the session where the two differ: no \Recent, ESEARCH answers, \NonExistent.
 */
const ENABLEABLE = new Set(['CONDSTORE', 'QRESYNC', 'IMAP4REV2']);

/** RFC 5161 §3.1: `* ENABLED` lists what this command turned on. */
export function enable(ctx: SessionContext, cmd: CommandOf<'ENABLE'>): void {
  // IMAP4rev2 is named as CAPABILITY spells it.
  const enabled = [...new Set(cmd.args.capabilities)].filter((c) => ENABLEABLE.has(c));
  for (const c of enabled) ctx.enabled.add(c);
  // RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE too.
  if (enabled.includes('QRESYNC')) ctx.enabled.add('CONDSTORE');
  ctx.write(untagged(atom('ENABLED'), ...enabled.map((c) => atom(c === 'IMAP4REV2' ? 'IMAP4rev2' : c))));
  ctx.ok(cmd.tag, 'ENABLE completed');
}
