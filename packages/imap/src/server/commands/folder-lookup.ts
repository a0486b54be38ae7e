import type { FolderHandle } from '@mss/store';
import type { Identity } from '../state.ts';
import { normaliseFolderName } from '../folders.ts';
import { ImapNo } from './errors.ts';

/** The mailbox's folder of that name, through its scope, or `NO [NONEXISTENT]` (RFC 5530). */
export async function folderOr404(identity: Identity, name: string): Promise<FolderHandle> {
  const f = await identity.scope.openFolder(normaliseFolderName(name));
  if (!f) throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'NONEXISTENT');
  return f;
}

/** The folder a message is written to (APPEND, COPY, MOVE), or `NO [TRYCREATE]` (RFC 3501 §6.3.11). */
export async function targetFolder(identity: Identity, name: string): Promise<FolderHandle> {
  const f = await identity.scope.openFolder(normaliseFolderName(name));
  if (!f) throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'TRYCREATE');
  return f;
}
