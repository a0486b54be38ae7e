import type { Identity } from '../state.ts';
import { normaliseFolderName } from '../folders.ts';
import type { SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';

/** The mailbox's folder of that name, or `NO [NONEXISTENT]` (RFC 5530). */
export async function folderOr404(ctx: SessionContext, identity: Identity, name: string) {
  const f = await identity.scope.folder(normaliseFolderName(name));
  if (!f) throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'NONEXISTENT');
  return f;
}

/** The folder a message is written to (APPEND, COPY, MOVE), or `NO [TRYCREATE]` (RFC 3501 §6.3.11). */
export async function targetFolder(ctx: SessionContext, identity: Identity, name: string) {
  const f = await identity.scope.folder(normaliseFolderName(name));
  if (!f) throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'TRYCREATE');
  return f;
}
