import { mailboxObjectId, type FolderHandle } from '@mss/store';
import { atom, mailboxName, raw, untagged, type CommandOf, type ImapValue, type StatusItem } from '../../protocol/index.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { folderOr404 } from './folder-lookup.ts';
import { kib } from './quota.ts';

/** RFC 3501 §6.3.10 (HIGHESTMODSEQ: RFC 7162 §3.1.6; DELETED, DELETED-STORAGE: RFC 9208 §4.1.4; SIZE: RFC 8438). */
export async function status(ctx: SessionContext, cmd: CommandOf<'STATUS'>, state: AuthenticatedState): Promise<void> {
  const f = await folderOr404(state.identity, cmd.args.mailbox);
  ctx.write(untagged(atom('STATUS'), mailboxName(f.name), await statusValues(f, cmd.args.items)));
  ctx.ok(cmd.tag, 'STATUS completed');
}

/** The `(item value …)` list of a STATUS response, also used by LIST-STATUS (RFC 5819). */
export async function statusValues(folder: FolderHandle, wanted: readonly StatusItem[]): Promise<ImapValue[]> {
  const st = await folder.status();
  const items: ImapValue[] = [];
  for (const item of wanted) {
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
      // RFC 8438 §3: the total size of the mailbox in octets.
      SIZE: st.size,
      // RFC 8474 §4.2
      MAILBOXID: raw(`(${mailboxObjectId(folder.id)})`),
    }[item];
    items.push(atom(item), value);
  }
  return items;
}
