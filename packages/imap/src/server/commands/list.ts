import { atom, mailboxName, raw, str, untagged, type CommandOf } from '../../protocol/index.ts';
import { DELIMITER, SPECIAL_USE, listPatternToRegExp } from '../folders.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';

/** RFC 3501 §6.3.8 with SPECIAL-USE (RFC 6154 §3). */
export function list(ctx: SessionContext, cmd: CommandOf<'LIST'>, state: AuthenticatedState): Promise<void> {
  const a = cmd.args;
  return listFolders(ctx, state, cmd.tag, a.reference, a.patterns, false, a.return.specialUse || a.select.specialUse);
}

/**
 * RFC 3501 §6.3.9: the subscribed folders matching the pattern. When `foo/bar` is subscribed and
 * `foo` is not, a pattern that matches `foo` but not `foo/bar` (`%`) returns `foo` flagged
 * `\Noselect`, so that a client walking the tree level by level still finds `foo/bar`.
 */
export async function lsub(ctx: SessionContext, cmd: CommandOf<'LSUB'>, state: AuthenticatedState): Promise<void> {
  const { reference, pattern } = cmd.args;
  if (pattern === '') {
    ctx.write(untagged(atom('LSUB'), raw('(\\Noselect)'), str(DELIMITER), str('')));
    return ctx.ok(cmd.tag, 'LSUB completed');
  }
  const matcher = listPatternToRegExp(reference, pattern);
  const subscribed = new Set((await ctx.store.mail.folders(state.identity.mailboxId)).filter((f) => f.subscribed).map((f) => f.name));
  const out = new Map<string, string>();
  for (const name of subscribed) {
    if (matcher.test(name)) {
      out.set(name, '');
      continue;
    }
    for (let i = name.lastIndexOf(DELIMITER); i > 0; i = name.lastIndexOf(DELIMITER, i - 1)) {
      const parent = name.slice(0, i);
      if (!subscribed.has(parent) && matcher.test(parent)) out.set(parent, '\\Noselect');
    }
  }
  for (const name of [...out.keys()].sort(byName)) {
    ctx.write(untagged(atom('LSUB'), raw(`(${out.get(name)})`), str(DELIMITER), mailboxName(name)));
  }
  ctx.ok(cmd.tag, 'LSUB completed');
}

/** INBOX first, then by name. */
function byName(a: string, b: string): number {
  return a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a.localeCompare(b);
}

async function listFolders(ctx: SessionContext, state: AuthenticatedState, tag: string, reference: string, patterns: readonly string[], lsub: boolean, specialUse: boolean): Promise<void> {
  const cmdName = lsub ? 'LSUB' : 'LIST';
  if (patterns.length === 1 && patterns[0] === '') {
    ctx.write(untagged(atom(cmdName), raw('(\\Noselect)'), str(DELIMITER), str('')));
    return ctx.ok(tag, `${cmdName} completed`);
  }
  const folders = await ctx.store.mail.folders(state.identity.mailboxId);
  const names = new Set(folders.map((f) => f.name));
  const regexps = patterns.map((p) => listPatternToRegExp(reference, p));
  for (const f of folders.sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name.localeCompare(b.name)))) {
    if (lsub && !f.subscribed) continue;
    if (!regexps.some((r) => r.test(f.name))) continue;
    const attrs: string[] = [];
    const hasChildren = [...names].some((n) => n.startsWith(`${f.name}${DELIMITER}`));
    if (!lsub) attrs.push(hasChildren ? '\\HasChildren' : '\\HasNoChildren');
    const use = SPECIAL_USE[f.name];
    if (use && !lsub) attrs.push(use);
    if (specialUse && !use) continue;
    ctx.write(untagged(atom(cmdName), raw(`(${attrs.join(' ')})`), str(DELIMITER), mailboxName(f.name)));
  }
  ctx.ok(tag, `${cmdName} completed`);
}
