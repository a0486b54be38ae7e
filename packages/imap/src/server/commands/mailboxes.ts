import { mailboxObjectId } from '@mss/store';
import { code, type CommandOf } from '../../protocol/index.ts';
import { DELIMITER, isValidFolderName, normaliseFolderName } from '../folders.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';
import { folderOr404 } from './folder-lookup.ts';

/** RFC 3501 §6.3.3 */
export async function create(ctx: SessionContext, cmd: CommandOf<'CREATE'>, state: AuthenticatedState): Promise<void> {
  const name = normaliseFolderName(cmd.args.mailbox.replace(/\/$/, ''));
  const box = state.identity.scope;
  if (name === 'INBOX') throw new ImapNo('INBOX always exists', 'ALREADYEXISTS');
  if (!isValidFolderName(name)) throw new ImapNo('Invalid folder name', 'CANNOT');
  if (await box.folder(name)) throw new ImapNo('Folder already exists', 'ALREADYEXISTS');
  const created = await box.createFolder(name);
  // RFC 8474 §4.1
  ctx.ok(cmd.tag, 'CREATE completed', code.mailboxId(mailboxObjectId(created.id)));
}

/** RFC 3501 §6.3.4: a folder with sub-folders is refused (we never keep \Noselect folders). */
export async function deleteFolder(ctx: SessionContext, cmd: CommandOf<'DELETE'>, state: AuthenticatedState): Promise<void> {
  const name = normaliseFolderName(cmd.args.mailbox);
  if (name === 'INBOX') throw new ImapNo('INBOX cannot be deleted', 'CANNOT');
  const f = await folderOr404(state.identity, name);
  const children = (await state.identity.scope.folders()).some((x) => x.name.startsWith(`${f.name}${DELIMITER}`));
  if (children) throw new ImapNo('Folder has sub-folders; delete them first', 'CANNOT');
  await f.transaction((folder) => folder.delete());
  if (state.kind === 'selected' && state.selected.folderId === f.id) ctx.deselect();
  ctx.shared.folderChanged(f);
  ctx.ok(cmd.tag, 'DELETE completed');
}

/** RFC 3501 §6.3.5: sub-folders follow. Renaming INBOX is refused (documented). */
export async function rename(ctx: SessionContext, cmd: CommandOf<'RENAME'>, state: AuthenticatedState): Promise<void> {
  const from = normaliseFolderName(cmd.args.from);
  const to = normaliseFolderName(cmd.args.to);
  const box = state.identity.scope;
  if (from === 'INBOX') throw new ImapNo('Renaming INBOX is not supported here; move its messages instead', 'CANNOT');
  if (!isValidFolderName(to) || to === 'INBOX') throw new ImapNo('Invalid target name', 'CANNOT');
  const f = await folderOr404(state.identity, from);
  if (await box.folder(to)) throw new ImapNo('Target folder exists', 'ALREADYEXISTS');
  await box.transaction(async (inTx) => {
    for (const child of await inTx.folderHandles()) {
      if (child.name.startsWith(`${from}${DELIMITER}`)) await child.rename(`${to}${child.name.slice(from.length)}`);
    }
    await inTx.bind(f).rename(to);
  });
  ctx.ok(cmd.tag, 'RENAME completed');
}

/** RFC 3501 §6.3.6, §6.3.7 */
export async function subscribe(
  ctx: SessionContext,
  cmd: CommandOf<'SUBSCRIBE' | 'UNSUBSCRIBE'>,
  state: AuthenticatedState,
): Promise<void> {
  const f = await folderOr404(state.identity, cmd.args.mailbox);
  await f.setSubscribed(cmd.command === 'SUBSCRIBE');
  ctx.ok(cmd.tag, `${cmd.command} completed`);
}
