// THREAD (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES, as pure functions of what each message
// says about itself. The steps are numbered as in the RFC.

import type { ThreadNode } from '../protocol/index.ts';
import { compareText } from './sort-order.ts';

export interface ThreadableMessage {
  /** What the answer prints: a sequence number, or a UID for UID THREAD. */
  readonly id: number;
  /** Position in the mailbox, the tie-breaker of equal dates (RFC 5256 §2.2). */
  readonly seq: number;
  /** Sent date, ms (RFC 5256 §2.2: `Date:`, or INTERNALDATE when missing or unreadable). */
  readonly sent: number;
  /** Base subject (RFC 5256 §2.1) as a collation key; '' when empty. */
  readonly subject: string;
  /** Extraction removed a Re:/Fwd:/(fwd)/[fwd: …]. */
  readonly replyOrForward: boolean;
  /** The first valid msg-id of `Message-ID:`, null when none. */
  readonly messageId: string | null;
  /**
   * The msg-ids of `References:`, or when it has none the first of `In-Reply-To:` (RFC 5256 §3
   * REFERENCES): oldest ancestor first.
   */
  readonly references: readonly string[];
}

function byDate(a: ThreadableMessage, b: ThreadableMessage): number {
  return a.sent - b.sent || a.seq - b.seq;
}

/**
 * ORDEREDSUBJECT: messages grouped by base subject, each group in date order; the first of a
 * group is the parent of all the others (there are no grandchildren); groups ordered by the
 * date of their first message.
 */
export function threadOrderedSubject(messages: readonly ThreadableMessage[]): ThreadNode[] {
  const sorted = [...messages].sort((a, b) => compareText(a.subject, b.subject) || byDate(a, b));
  const groups: ThreadableMessage[][] = [];
  for (const m of sorted) {
    const last = groups.at(-1);
    if (last && last[0]!.subject === m.subject) last.push(m);
    else groups.push([m]);
  }
  groups.sort((a, b) => byDate(a[0]!, b[0]!));
  return groups.map(([first, ...rest]) => ({ id: first!.id, children: rest.map((m) => ({ id: m.id, children: [] })) }));
}

interface Container {
  message: ThreadableMessage | null;
  parent: Container | null;
  children: Container[];
}

function isAncestorOrSelf(candidate: Container, of: Container): boolean {
  for (let c: Container | null = of; c; c = c.parent) if (c === candidate) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  const p = child.parent;
  if (!p) return;
  p.children.splice(p.children.indexOf(child), 1);
  child.parent = null;
}

/** The message a container stands for in date order: its own, or (a dummy) its first child's. */
function representative(c: Container): ThreadableMessage | null {
  return c.message ?? c.children[0]?.message ?? null;
}

function compareContainers(a: Container, b: Container): number {
  const x = representative(a);
  const y = representative(b);
  if (!x || !y) return x ? -1 : y ? 1 : 0;
  return byDate(x, y);
}

/** REFERENCES (RFC 5256 §3): the threads of the messages, given in mailbox order. */
export function threadReferences(messages: readonly ThreadableMessage[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const containerOf = (id: string): Container => {
    let c = byId.get(id);
    if (!c) {
      c = { message: null, parent: null, children: [] };
      byId.set(id, c);
    }
    return c;
  };
  const all: Container[] = [];
  for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
    // (1) A message without a usable Message-ID, or the second with the same one, gets a
    // container of its own (a unique id that no reference can name).
    let own: Container;
    if (m.messageId !== null && !byId.get(m.messageId)?.message) {
      own = containerOf(m.messageId);
    } else {
      own = { message: null, parent: null, children: [] };
      all.push(own);
    }
    own.message = m;
    // (1A) Each reference is the parent of the next; a link already made or one that would
    // make a loop is left alone.
    let previous: Container | null = null;
    for (const ref of m.references) {
      const c = containerOf(ref);
      if (previous && !c.parent && !isAncestorOrSelf(c, previous)) link(previous, c);
      previous = c;
    }
    // (1B) The last reference is the message's parent, replacing a link a truncated
    // References line of another message may have made; never a loop.
    unlink(own);
    if (previous && !isAncestorOrSelf(own, previous)) link(previous, own);
  }
  for (const c of byId.values()) all.push(c);

  // (2) The root set: every container without a parent.
  let roots = all.filter((c) => c.parent === null);

  // (3) Dummies pruned bottom-up: one without children goes; one with children gives them to
  // its own level, except at the top where it stays when it has more than one.
  roots = pruned(roots);

  // (4) The top level in date order, a dummy by its first child's date.
  for (const r of roots) if (!r.message) r.children.sort(compareContainers);
  roots.sort(compareContainers);

  // (5) Threads with the same base subject gathered.
  roots = mergedBySubject(roots);

  // (6) Every set of siblings in date order, the deepest first.
  sortTree(roots);
  roots.sort(compareContainers);
  return roots.map(toNode);
}

function pruned(roots: Container[]): Container[] {
  // Bottom-up without recursion: a dummy's children are pruned before the dummy is looked at.
  const spliced = (level: Container[], top: boolean): Container[] => {
    const out: Container[] = [];
    for (const c of level) {
      if (c.message) out.push(c);
      else if (c.children.length === 0) continue;
      else if (!top || c.children.length === 1) out.push(...c.children);
      else out.push(c);
    }
    return out;
  };
  const order = postOrder(roots);
  for (const c of order) {
    c.children = spliced(c.children, false);
    for (const child of c.children) child.parent = c;
  }
  const top = spliced(roots, true);
  for (const c of top) c.parent = null;
  return top;
}

/** Every container under `roots`, children before their parent. */
function postOrder(roots: readonly Container[]): Container[] {
  const order: Container[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const c = stack.pop()!;
    order.push(c);
    for (const child of c.children) stack.push(child);
  }
  return order.reverse();
}

function mergedBySubject(roots: Container[]): Container[] {
  const subjectOf = (c: Container) => representative(c)?.subject ?? '';
  const isReply = (c: Container) => c.message?.replyOrForward ?? false;
  // (5B) One container per subject: a dummy wins, then a message that is not a reply.
  const table = new Map<string, Container>();
  for (const c of roots) {
    const subject = subjectOf(c);
    if (subject === '') continue;
    const held = table.get(subject);
    if (!held) table.set(subject, c);
    else if (held.message && (!c.message || (isReply(held) && !isReply(c)))) table.set(subject, c);
  }
  // (5C) The others joined to it.
  const gone = new Set<Container>();
  const replaced = new Map<Container, Container>();
  for (const c of roots) {
    const subject = subjectOf(c);
    if (subject === '') continue;
    const held = table.get(subject)!;
    if (held === c) continue;
    gone.add(c);
    if (!held.message && !c.message) {
      for (const child of c.children) link(held, child);
      c.children = [];
    } else if (!held.message || (isReply(c) && !isReply(held))) {
      link(held, c);
    } else {
      const dummy: Container = { message: null, parent: null, children: [] };
      replaced.set(held, dummy);
      link(dummy, held);
      link(dummy, c);
      table.set(subject, dummy);
    }
  }
  return roots.filter((c) => !gone.has(c)).map((c) => replaced.get(c) ?? c);
}

function sortTree(roots: Container[]): void {
  for (const c of postOrder(roots)) c.children.sort(compareContainers);
}

function toNode(root: Container): ThreadNode {
  const built = new Map<Container, ThreadNode>();
  for (const c of postOrder([root])) built.set(c, { id: c.message?.id ?? null, children: c.children.map((child) => built.get(child)!) });
  return built.get(root)!;
}
