import { atom, mailboxName, untagged, type CommandOf, type ImapValue } from '../../protocol/index.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { folderOr404 } from './folder-lookup.ts';
import { kib } from './quota.ts';

/** RFC 3501 §6.3.10 (HIGHESTMODSEQ: RFC 7162 §3.1.6; DELETED, DELETED-STORAGE: RFC 9208 §4.1.4). */
export async function status(ctx: SessionContext, cmd: CommandOf<'STATUS'>, state: AuthenticatedState): Promise<void> {
  const f = await folderOr404(ctx, state.identity, cmd.args.mailbox);
  const st = await ctx.store.mail.status(f.id);
  const items: ImapValue[] = [];
  for (const item of cmd.args.items) {
    const value = {
      MESSAGES: st.messages,
      // RFC 3501 §2.3.2: the messages no session has taken as \Recent yet.
      RECENT: st.recent,
      UIDNEXT: st.uidnext,
      UIDVALIDITY: st.uidvalidity,
      UNSEEN: st.unseen,
      HIGHESTMODSEQ: st.highestModseq,
      // RFC 9208 §4.1.4: DELETED-STORAGE in the STORAGE resource's unit (1024 octets).
      DELETED: st.deleted,
      'DELETED-STORAGE': kib(st.deletedStorage),
    }[item];
    items.push(atom(item), value);
  }
  ctx.write(untagged(atom('STATUS'), mailboxName(f.name), items));
  ctx.ok(cmd.tag, 'STATUS completed');
}
