import type { CommandOf } from '../../protocol/index.ts';
import type { SessionContext } from './context.ts';

/** RFC 2177: the session announces changes as they come until DONE. */
export function idle(ctx: SessionContext, cmd: CommandOf<'IDLE'>): Promise<void> {
  return ctx.startIdle(cmd.tag);
}
