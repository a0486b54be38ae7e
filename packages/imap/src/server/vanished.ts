import type { SelectedFolder } from './selected.ts';

/**
 * The UIDs to tell as `VANISHED (EARLIER)` (RFC 7162 §3.2.5.2, §3.2.6): those expunged from the
 * folder after `modseq` and in `within`. When the expunge log no longer reaches back to `modseq`
 * (docs/choices.md, "QRESYNC expunge log") every UID of `within` below UIDNEXT that no message
 * has is told instead: a superset, which the RFC allows.
 */
export async function vanishedSince(sel: SelectedFolder, modseq: number, within: { has(uid: number): boolean }): Promise<number[]> {
  const log = await sel.folder.expungedSince(modseq);
  if (log.complete) return log.uids.filter((uid) => within.has(uid));
  const out: number[] = [];
  for (let uid = 1; uid < sel.uidNext; uid++) if (within.has(uid) && sel.index.position(uid) < 0) out.push(uid);
  return out;
}
