// SORT order and THREAD algorithms (RFC 5256 §3), as pure functions, with the response lines
// they produce (RFC 5256 §4).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { threadResponse, type ThreadNode } from '../src/protocol/index.ts';
import { collationKey, compareText, sortMessages, type SortableMessage } from '../src/server/sort-order.ts';
import { threadOrderedSubject, threadReferences, type ThreadableMessage } from '../src/server/threading.ts';

const line = (threads: ThreadNode[]) => threadResponse(threads).toString('latin1');

interface Msg {
  id?: string;
  refs?: string[];
  subject?: string;
  reply?: boolean;
  /** minutes */
  at: number;
}
function threadable(list: Msg[]): ThreadableMessage[] {
  return list.map((m, i) => ({
    id: i + 1,
    seq: i + 1,
    sent: m.at * 60_000,
    subject: collationKey(m.subject ?? 'subject'),
    replyOrForward: m.reply ?? false,
    messageId: m.id ?? null,
    references: m.refs ?? [],
  }));
}

describe('THREAD=REFERENCES (RFC 5256 §3)', () => {
  test('a References chain is one thread; one reply continues the list, two branch', () => {
    const chain = threadable([
      { id: 'a@x', at: 1 },
      { id: 'b@x', refs: ['a@x'], at: 2 },
      { id: 'c@x', refs: ['a@x', 'b@x'], at: 3 },
    ]);
    assert.equal(line(threadReferences(chain)), '* THREAD (1 2 3)\r\n');
    const branch = threadable([
      { id: 'a@x', at: 1 },
      { id: 'b@x', refs: ['a@x'], at: 2 },
      { id: 'c@x', refs: ['a@x'], at: 3 },
    ]);
    assert.equal(line(threadReferences(branch)), '* THREAD (1 (2)(3))\r\n');
  });

  test('the example of RFC 5256 §4 is drawn as written there', () => {
    const m: Msg[] = [];
    const at = (id: string, refs: string[], minute: number) => m.push({ id, refs, at: minute, subject: id });
    // Sequence numbers 1..n in this order; message "2" and the tree 3 → 6 → (4 → 23, 44 → 7 → 96).
    at('2@x', [], 1);
    at('3@x', [], 2);
    at('6@x', ['3@x'], 3);
    at('4@x', ['3@x', '6@x'], 4);
    at('23@x', ['3@x', '6@x', '4@x'], 5);
    at('44@x', ['3@x', '6@x'], 6);
    at('7@x', ['3@x', '6@x', '44@x'], 7);
    at('96@x', ['3@x', '6@x', '44@x', '7@x'], 8);
    const ids = [2, 3, 6, 4, 23, 44, 7, 96];
    const threads = threadReferences(threadable(m).map((x, i) => ({ ...x, id: ids[i]! })));
    assert.equal(line(threads), '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n');
  });

  test('(1) a missing parent is a dummy: kept at the top with two children, dropped with one', () => {
    const two = threadable([
      { id: 'b@x', refs: ['gone@x'], at: 1, subject: 'b' },
      { id: 'c@x', refs: ['gone@x'], at: 2, subject: 'c' },
    ]);
    assert.equal(line(threadReferences(two)), '* THREAD ((1)(2))\r\n');
    const one = threadable([{ id: 'b@x', refs: ['gone@x'], at: 1 }]);
    assert.equal(line(threadReferences(one)), '* THREAD (1)\r\n');
    const deep = threadable([
      { id: 'a@x', at: 1, subject: 'a' },
      { id: 'c@x', refs: ['a@x', 'gone@x'], at: 2, subject: 'c' },
      { id: 'd@x', refs: ['a@x', 'gone@x'], at: 3, subject: 'd' },
    ]);
    assert.equal(line(threadReferences(deep)), '* THREAD (1 (2)(3))\r\n', 'a dummy below the top gives its children to its parent');
  });

  test('(1) no Message-ID, or a duplicate one: a thread of its own; loops are never made', () => {
    const dup = threadable([
      { id: 'a@x', at: 1, subject: 'a' },
      { id: 'a@x', at: 2, subject: 'b' },
      { refs: ['a@x'], at: 3, subject: 'c' },
    ]);
    assert.equal(line(threadReferences(dup)), '* THREAD (1 3)(2)\r\n');
    const loop = threadable([
      { id: 'a@x', refs: ['b@x'], at: 1, subject: 'a' },
      { id: 'b@x', refs: ['a@x'], at: 2, subject: 'b' },
    ]);
    assert.equal(line(threadReferences(loop)), '* THREAD (2 1)\r\n', 'the second link would close a loop: not made');
    const self = threadable([{ id: 'a@x', refs: ['a@x'], at: 1 }]);
    assert.equal(line(threadReferences(self)), '* THREAD (1)\r\n');
  });

  test("(1B) a message's own references replace a link made from a truncated References", () => {
    const list = threadable([
      { id: 'a@x', at: 1, subject: 'a' },
      { id: 'b@x', at: 2, subject: 'b' },
      // Says c's parent is a (truncated), before c itself says b.
      { id: 'd@x', refs: ['a@x', 'c@x'], at: 4, subject: 'd' },
      { id: 'c@x', refs: ['b@x'], at: 3, subject: 'c' },
    ]);
    assert.equal(line(threadReferences(list)), '* THREAD (1)(2 4 3)\r\n');
  });

  test('(5) threads gathered by base subject: a reply under the original, two originals under a dummy', () => {
    const reply = threadable([
      { id: 'a@x', at: 1, subject: 'Hello' },
      { id: 'b@x', at: 2, subject: 'Hello', reply: true },
    ]);
    assert.equal(line(threadReferences(reply)), '* THREAD (1 2)\r\n');
    const replyFirst = threadable([
      { id: 'b@x', at: 1, subject: 'Hello', reply: true },
      { id: 'a@x', at: 2, subject: 'Hello' },
    ]);
    assert.equal(line(threadReferences(replyFirst)), '* THREAD (2 1)\r\n', 'the non-reply takes the table, the reply goes under it');
    const twins = threadable([
      { id: 'a@x', at: 1, subject: 'Hello' },
      { id: 'b@x', at: 2, subject: 'Hello' },
      { id: 'c@x', at: 3, subject: 'Other' },
    ]);
    assert.equal(line(threadReferences(twins)), '* THREAD ((1)(2))(3)\r\n');
    const empty = threadable([
      { id: 'a@x', at: 1, subject: '' },
      { id: 'b@x', at: 2, subject: '' },
    ]);
    assert.equal(line(threadReferences(empty)), '* THREAD (1)(2)\r\n', 'an empty subject gathers nothing');
  });

  test('(4)(6) siblings and threads in sent-date order, mailbox order breaking ties', () => {
    const list = threadable([
      { id: 'a@x', at: 10, subject: 'a' },
      { id: 'b@x', refs: ['a@x'], at: 30 },
      { id: 'c@x', refs: ['a@x'], at: 20 },
      { id: 'd@x', at: 5, subject: 'd' },
      { id: 'e@x', at: 5, subject: 'e' },
    ]);
    assert.equal(line(threadReferences(list)), '* THREAD (4)(5)(1 (3)(2))\r\n');
  });

  test('properties: every message once; dummies only at the top with two children or more', () => {
    const arb = fc.array(
      fc.record({
        id: fc.option(fc.constantFrom('a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x'), { nil: undefined }),
        refs: fc.array(fc.constantFrom('a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x', 'g@x'), { maxLength: 4 }),
        subject: fc.constantFrom('', 'one', 'two'),
        reply: fc.boolean(),
        at: fc.integer({ min: 0, max: 5 }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (list) => {
        const threads = threadReferences(threadable(list));
        const seen: number[] = [];
        const walk = (n: ThreadNode, top: boolean) => {
          if (n.id === null) assert.ok(top && n.children.length >= 2, 'dummy placement');
          else seen.push(n.id);
          for (const c of n.children) walk(c, false);
        };
        for (const t of threads) walk(t, true);
        assert.deepEqual(
          seen.sort((a, b) => a - b),
          list.map((_m, i) => i + 1),
        );
      }),
      { numRuns: 3000 },
    );
  });

  test('a chain of 20,000 replies costs no stack', () => {
    const list: Msg[] = [{ id: 'm0@x', at: 0 }];
    for (let i = 1; i < 20_000; i++) list.push({ id: `m${i}@x`, refs: [`m${i - 1}@x`], at: i });
    const out = line(threadReferences(threadable(list)));
    assert.ok(out.startsWith('* THREAD (1 2 3 '));
    assert.ok(out.endsWith(' 19999 20000)\r\n'));
  });
});

describe('THREAD=ORDEREDSUBJECT (RFC 5256 §3)', () => {
  test('grouped by base subject, the first the parent of the rest, threads by their first date', () => {
    const list = threadable([
      { at: 3, subject: 'B' },
      { at: 1, subject: 'A' },
      { at: 2, subject: 'b' },
      { at: 4, subject: 'A' },
      { at: 0, subject: 'B' },
      { at: 9, subject: 'C' },
    ]);
    assert.equal(line(threadOrderedSubject(list)), '* THREAD (5 (3)(1))(2 4)(6)\r\n');
  });

  test('property: every message once, no grandchildren', () => {
    const arb = fc.array(fc.record({ subject: fc.constantFrom('', 'x', 'y'), at: fc.integer({ min: 0, max: 3 }) }), { maxLength: 15 });
    fc.assert(
      fc.property(arb, (list) => {
        const threads = threadOrderedSubject(threadable(list));
        const ids = threads.flatMap((t) => [t.id!, ...t.children.map((c) => (assert.equal(c.children.length, 0), c.id!))]);
        assert.deepEqual(
          ids.sort((a, b) => a - b),
          list.map((_m, i) => i + 1),
        );
      }),
    );
  });
});

describe('SORT (RFC 5256 §3)', () => {
  const msg = (seq: number, o: Partial<SortableMessage>): SortableMessage => ({
    seq,
    arrival: 0,
    sent: 0,
    size: 0,
    subject: '',
    from: '',
    to: '',
    cc: '',
    ...o,
  });
  const order = (list: SortableMessage[], criteria: Parameters<typeof sortMessages>[1]) => sortMessages(list, criteria).map((m) => m.seq);

  test('each key; REVERSE applies to its key only; equal messages in mailbox order', () => {
    const list = [
      msg(1, { size: 30, subject: collationKey('beta'), sent: 2 }),
      msg(2, { size: 10, subject: collationKey('Alpha'), sent: 2 }),
      msg(3, { size: 20, subject: collationKey('alpha'), sent: 1 }),
      msg(4, { size: 10, subject: collationKey('ALPHA'), sent: 3 }),
    ];
    assert.deepEqual(order(list, [{ key: 'SIZE', reverse: false }]), [2, 4, 3, 1]);
    assert.deepEqual(order(list, [{ key: 'SIZE', reverse: true }]), [1, 3, 2, 4], 'ties stay in mailbox order under REVERSE');
    assert.deepEqual(order(list, [{ key: 'SUBJECT', reverse: false }]), [2, 3, 4, 1], 'i;ascii-casemap: case folded');
    assert.deepEqual(
      order(list, [
        { key: 'SUBJECT', reverse: false },
        { key: 'DATE', reverse: true },
      ]),
      [4, 2, 3, 1],
    );
    assert.deepEqual(order(list, [{ key: 'DATE', reverse: false }]), [3, 1, 2, 4]);
  });

  test('i;ascii-casemap: ASCII folded only, then code points', () => {
    assert.ok(compareText(collationKey('_x'), collationKey('a')) > 0, "'_' (0x5F) sorts after 'A' (0x41)");
    assert.ok(compareText('\u{1F600}', '\uFFFD') > 0, 'an astral character after U+FFFD, as UTF-8 orders them');
    assert.ok(compareText(collationKey('é'), collationKey('f')) > 0);
    assert.equal(compareText(collationKey('Dupont'), collationKey('DUPONT')), 0);
  });
});
