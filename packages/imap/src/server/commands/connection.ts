import { atom, raw, str, untagged, type CommandOf } from '../../protocol/index.ts';
import { DELIMITER } from '../folders.ts';
import type { SessionState } from '../state.ts';
import type { SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';

/** RFC 3501 §6.1.1 */
export function capability(ctx: SessionContext, cmd: CommandOf<'CAPABILITY'>): void {
  ctx.write(untagged(atom('CAPABILITY'), raw(ctx.capabilities())));
  ctx.ok(cmd.tag, 'CAPABILITY completed');
}

/** RFC 3501 §6.1.2, §6.4.1: a chance to hear what changed in the selected folder. */
export async function noop(ctx: SessionContext, cmd: CommandOf<'NOOP' | 'CHECK'>, state: SessionState): Promise<void> {
  if (state.kind === 'selected') await ctx.pushUpdates(true);
  ctx.ok(cmd.tag, `${cmd.command} completed`);
}

/** RFC 3501 §6.1.3 */
export function logout(ctx: SessionContext, cmd: CommandOf<'LOGOUT'>): void {
  ctx.logout(cmd.tag);
}

/** RFC 2971 */
export function id(ctx: SessionContext, cmd: CommandOf<'ID'>): void {
  ctx.write(
    untagged(atom('ID'), [
      str('name'),
      str('mss-operator'),
      str('vendor'),
      str('mss-operator'),
      str('support-url'),
      str('https://mss-operator.invalid'),
    ]),
  );
  ctx.ok(cmd.tag, 'ID completed');
}

/** RFC 3501 §6.2.1 */
export function starttls(ctx: SessionContext, cmd: CommandOf<'STARTTLS'>, state: SessionState): void {
  if (ctx.tlsActive) throw new ImapNo('TLS is already active');
  if (!ctx.opts.tls) throw new ImapNo('STARTTLS is not available on this listener');
  if (state.kind !== 'not-authenticated') throw new ImapNo('STARTTLS only before authentication');
  ctx.startTls(cmd.tag);
}

/** RFC 2342: one personal namespace, the mailbox's folders. */
export function namespace(ctx: SessionContext, cmd: CommandOf<'NAMESPACE'>): void {
  ctx.write(untagged(atom('NAMESPACE'), raw(`(("" "${DELIMITER}")) NIL NIL`)));
  ctx.ok(cmd.tag, 'NAMESPACE completed');
}
