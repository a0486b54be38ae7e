// readXml: the tree it builds (namespaces, attributes, text, CDATA, a BOM) and each refusal with
// the limit it names — the refusals the XDM reader (R-DOC-1) and the whitelist reader rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descendants, ownText, path, readXml, textOf, XmlReadError, type XmlRefusal } from '../src/index.ts';

const LIMITS = { maxChars: 10_000, maxDepth: 8, maxElements: 50, maxAttributes: 4 };

function refused(text: string, refusal: XmlRefusal, message: RegExp, limits = LIMITS): void {
  assert.throws(
    () => readXml(text, limits),
    (err: unknown) => err instanceof XmlReadError && err.refusal === refusal && message.test(err.message),
    `${refusal}: ${text.slice(0, 60)}`,
  );
}

test('a document becomes a tree: namespaces resolved, attributes by local name, text and CDATA kept', () => {
  const root = readXml(
    '\ufeff<?xml version="1.0"?><r:L xmlns:r="urn:x" xmlns:o="urn:o" a="1" o:b="2"><r:N>x &amp; <![CDATA[<y>]]></r:N><r:N>&#233;</r:N></r:L>',
    LIMITS,
  );
  assert.deepEqual([root.ns, root.local, root.attrs], ['urn:x', 'L', { a: '1', '{urn:o}b': '2' }]);
  assert.equal(ownText(path(root, 'urn:x', 'N')!), 'x & <y>');
  assert.deepEqual(
    [...descendants(root)].map((e) => e.local),
    ['L', 'N', 'N'],
  );
  assert.equal(textOf(root), 'x & <y> é');
});

test('each limit is refused with its name and the line', () => {
  refused('<r>'.padEnd(10_001, ' '), 'xml-size', /^10001 characters, larger than the 10000 characters accepted$/);
  refused('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', 'xml-doctype', /^a DOCTYPE is not accepted \(line 2\)$/);
  refused('<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>', 'xml-doctype', /DOCTYPE is not accepted/);
  refused(`${'<a>'.repeat(9)}${'</a>'.repeat(9)}`, 'xml-depth', /nested too deep \(more than 8\)/);
  refused(`<r>${'<a/>'.repeat(50)}</r>`, 'xml-nodes', /more than 50 elements/);
  refused('<r a="1" b="2" c="3" d="4" e="5"/>', 'xml-nodes', /more than 4 attributes on <r>/);
});

test('what is not well-formed is an error, a truncated document above all', () => {
  const whole = '<r><a>one</a><a>two</a></r>';
  refused(whole.slice(0, -4), 'xml-malformed', /<r> is not closed \(truncated document\?\)/);
  refused('<r>&lol;</r>', 'xml-malformed', /^undefined entity \(line 1\)$/);
  refused('<r></s>', 'xml-malformed', /line 1/);
  refused('', 'xml-malformed', /no root element|document/);
  refused('<r/><r/>', 'xml-malformed', /line 1/);
});

test('elements and attributes are unbounded when the caller sets no limit for them', () => {
  const root = readXml(`<r ${Array.from({ length: 20 }, (_, i) => `a${i}="x"`).join(' ')}>${'<a/>'.repeat(500)}</r>`, {
    maxChars: 100_000,
    maxDepth: 4,
  });
  assert.equal(root.children.length, 500);
  assert.equal(Object.keys(root.attrs).length, 20);
});
