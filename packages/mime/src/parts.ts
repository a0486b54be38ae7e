// IMAP part numbers (RFC 3501 §6.4.5): the parts of a multipart are numbered 1, 2…; a message
// that is not multipart has a single part 1, itself; the parts of a message/rfc822 part are
// those of the message it holds (its body's parts if that is multipart, else the body as 1).

import type { MimeNode } from './types.ts';

export type PartNumber = readonly number[];

/** The parts numbered directly under `node`. */
export function numberedChildren(node: MimeNode): readonly MimeNode[] {
  if (node.kind === 'multipart') return node.children;
  if (node.kind === 'message' && node.message) return topLevelParts(node.message);
  return [];
}

/** The parts numbered under a message whose root is `root`. */
export function topLevelParts(root: MimeNode): readonly MimeNode[] {
  return root.kind === 'multipart' ? root.children : [root];
}

/** The node at `part` ([] is the message itself), or null when there is no such part. */
export function findPart(root: MimeNode, part: PartNumber): MimeNode | null {
  let node: MimeNode = root;
  let list = topLevelParts(root);
  for (let k = 0; k < part.length; k++) {
    const n = part[k]!;
    if (!Number.isInteger(n) || n < 1 || n > list.length) return null;
    node = list[n - 1]!;
    list = numberedChildren(node);
  }
  return node;
}

export interface NumberedPart {
  readonly part: PartNumber;
  readonly node: MimeNode;
}

/** Every numbered part in document order, with its number. */
export function* walkParts(root: MimeNode): Generator<NumberedPart> {
  // An explicit stack: nesting is bounded by the parser, but recursion in generators is costly.
  const stack: { list: readonly MimeNode[]; prefix: PartNumber; index: number }[] = [{ list: topLevelParts(root), prefix: [], index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.list.length) {
      stack.pop();
      continue;
    }
    const node = top.list[top.index]!;
    const part = [...top.prefix, ++top.index];
    yield { part, node };
    const children = numberedChildren(node);
    if (children.length > 0) stack.push({ list: children, prefix: part, index: 0 });
  }
}
