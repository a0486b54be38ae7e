import { resolveSequenceSet, type SequenceSet } from '../../protocol/index.ts';
import type { SelectedFolder } from '../selected.ts';
import type { SessionContext } from './context.ts';
import { ImapBad, ImapNo } from './errors.ts';

export interface Target {
  seq: number;
  uid: number;
}

/**
 * The messages a sequence set names. By UID, UIDs that do not exist are skipped (RFC 3501 §6.4.8);
 * by sequence number, one past the end is `BAD` and an empty folder `NO [CLIENTBUG]`.
 */
export function targets(sel: SelectedFolder, set: SequenceSet, uid: boolean): Target[] {
  const out: Target[] = [];
  if (uid) {
    const ns = resolveSequenceSet(set, sel.maxUid);
    for (const [from, to] of ns.ranges()) for (const t of sel.uidRange(from, to)) out.push(t);
  } else {
    if (sel.exists === 0) throw new ImapNo('No messages', 'CLIENTBUG');
    const ns = resolveSequenceSet(set, sel.exists);
    for (const s of ns.values()) {
      if (s > sel.exists) throw new ImapBad('Message sequence number out of range');
      out.push({ seq: s, uid: sel.uidAt(s)! });
    }
  }
  return out;
}

/** The messages a command names, or undefined after answering BAD for a bad sequence number. */
export function targetsOrBad(ctx: SessionContext, tag: string, sel: SelectedFolder, set: SequenceSet, uid: boolean): Target[] | undefined {
  try {
    return targets(sel, set, uid);
  } catch (err) {
    if (err instanceof ImapBad) {
      ctx.bad(tag, err.message);
      return undefined;
    }
    throw err;
  }
}
