import type { FolderHandle, FolderRow } from '@mss/store';
import { atom, mailboxName, raw, str, untagged, type CommandOf, type ImapValue } from '../../protocol/index.ts';
import { DELIMITER, SPECIAL_USE, listPatternToRegExp } from '../folders.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { statusValues } from './status.ts';

/** A folder name that LIST may show: an existing folder, or a level of hierarchy above some. */
interface Candidate {
  name: string;
  folder: FolderRow | undefined;
}

/**
 * RFC 3501 §6.3.8 / RFC 9051 §6.3.9 with LIST-EXTENDED (RFC 5258: several patterns, selection
 * options SUBSCRIBED, RECURSIVEMATCH, SPECIAL-USE; return options SUBSCRIBED, CHILDREN,
 * SPECIAL-USE), LIST-STATUS (RFC 5819) and CHILDREN (RFC 3348: `\HasChildren`/`\HasNoChildren`,
 * always given). A level of hierarchy that is not a folder is listed only when a pattern matches
 * it and none of the folders below it (`%`), as `\Noselect` — `\NonExistent` (RFC 5258 §3,
 * implying `\Noselect`) in an IMAP4rev2 session or an extended LIST.
 */
export async function list(ctx: SessionContext, cmd: CommandOf<'LIST'>, state: AuthenticatedState): Promise<void> {
  const { reference, patterns, select, return: ret } = cmd.args;
  if (patterns.every((p) => p === '')) {
    ctx.write(untagged(atom('LIST'), raw('(\\Noselect)'), str(DELIMITER), str('')));
    return ctx.ok(cmd.tag, 'LIST completed');
  }
  const extended = cmd.args.extended || ctx.enabled.has('IMAP4REV2');
  const matchers = patterns.filter((p) => p !== '').map((p) => listPatternToRegExp(reference, p));
  const matches = (name: string) => matchers.some((r) => r.test(name));
  // Handles, for LIST-STATUS: a folder's counters are read through the session's scope.
  const handles = new Map((await state.identity.scope.folderHandles()).map((h): [number, FolderHandle] => [h.id, h]));
  const folders = [...handles.values()].map((h) => h.row);
  const candidates = new Map<string, Candidate>();
  for (const f of folders) {
    candidates.set(f.name, { name: f.name, folder: f });
    for (const parent of ancestors(f.name)) if (!candidates.has(parent)) candidates.set(parent, { name: parent, folder: undefined });
  }
  const below = (name: string) => folders.filter((f) => f.name.startsWith(`${name}${DELIMITER}`));
  // What the selection options ask of a folder itself (RFC 5258 §3.1).
  const selected = (f: FolderRow | undefined) =>
    f !== undefined && (!select.subscribed || !!f.subscribed) && (!select.specialUse || SPECIAL_USE[f.name] !== undefined);
  const selecting = select.subscribed || select.specialUse;
  const showSubscribed = select.subscribed || ret.subscribed;
  for (const c of [...candidates.values()].sort((x, y) => byName(x.name, y.name))) {
    if (!matches(c.name)) continue;
    const children = below(c.name);
    let childInfo = false;
    if (!selected(c.folder)) {
      if (selecting) {
        // RECURSIVEMATCH: a name whose descendants meet the selection is listed with CHILDINFO (§3.5).
        if (!select.recursiveMatch || !select.subscribed || !children.some((f) => selected(f))) continue;
        childInfo = true;
      } else if (c.folder === undefined) {
        // A level of hierarchy with no folder: only where the pattern stops at it (RFC 3501 §6.3.8).
        if (children.some((f) => matches(f.name))) continue;
      }
    }
    const attrs: string[] = [];
    if (c.folder === undefined) attrs.push(extended ? '\\NonExistent' : '\\Noselect');
    attrs.push(children.length > 0 ? '\\HasChildren' : '\\HasNoChildren');
    const use = c.folder ? SPECIAL_USE[c.folder.name] : undefined;
    if (use) attrs.push(use);
    if (showSubscribed && c.folder?.subscribed) attrs.push('\\Subscribed');
    const line: ImapValue[] = [atom('LIST'), raw(`(${attrs.join(' ')})`), str(DELIMITER), mailboxName(c.name)];
    if (childInfo) line.push([str('CHILDINFO'), [str('SUBSCRIBED')]]);
    ctx.write(untagged(...line));
    // RFC 5819 §2: STATUS for each selectable mailbox listed, right after its LIST line.
    const handle = c.folder && handles.get(c.folder.id);
    if (ret.status && handle) ctx.write(untagged(atom('STATUS'), mailboxName(c.name), await statusValues(handle, ret.status)));
  }
  ctx.ok(cmd.tag, 'LIST completed');
}

/** `a/b/c` → `a`, `a/b`. */
function ancestors(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf(DELIMITER); i > 0; i = name.indexOf(DELIMITER, i + 1)) out.push(name.slice(0, i));
  return out;
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
  const subscribed = new Set((await state.identity.scope.folders()).filter((f) => f.subscribed).map((f) => f.name));
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
