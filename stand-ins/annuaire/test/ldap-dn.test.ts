import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DnSyntaxError, dnEquals, formatDn, isInScope, NormalizedDn, normalizeDn, parseDn } from '../src/ldap/dn.ts';

test('the examples of RFC 4514 §4 parse', () => {
  assert.deepEqual(parseDn('UID=jsmith,DC=example,DC=net'), [
    [{ type: 'UID', value: 'jsmith' }],
    [{ type: 'DC', value: 'example' }],
    [{ type: 'DC', value: 'net' }],
  ]);
  assert.deepEqual(parseDn('OU=Sales+CN=J.  Smith,DC=example,DC=net')[0], [
    { type: 'OU', value: 'Sales' },
    { type: 'CN', value: 'J.  Smith' },
  ]);
  assert.deepEqual(parseDn('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net')[0], [{ type: 'CN', value: 'James "Jim" Smith, III' }]);
  assert.deepEqual(parseDn('CN=Before\\0dAfter,DC=example,DC=net')[0], [{ type: 'CN', value: 'Before\rAfter' }]);
  assert.deepEqual(parseDn('1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com')[0], [
    { type: '1.3.6.1.4.1.1466.0', value: '04024869', hex: true },
  ]);
  assert.deepEqual(parseDn('CN=Lu\\C4\\8Di\\C4\\87')[0], [{ type: 'CN', value: 'Lučić' }]);
  assert.deepEqual(parseDn(''), []);
});

test('spaces: around separators ignored, escaped ones kept', () => {
  assert.equal(normalizeDn('ou=bal, o=mssante , c=fr'), 'ou=bal,o=mssante,c=fr');
  assert.deepEqual(parseDn('cn=\\ x\\ ,o=y')[0], [{ type: 'cn', value: ' x ' }]);
  assert.deepEqual(parseDn('cn=x \\ ,o=y')[0], [{ type: 'cn', value: 'x  ' }]);
  assert.equal(formatDn(parseDn('cn=\\ x\\ ,o=y')), 'cn=\\ x\\ ,o=y');
  assert.equal(formatDn(parseDn('cn=\\#1')), 'cn=\\#1');
});

test('normal form: case, aliases and OIDs of common types, multi-valued RDN order, escapes', () => {
  assert.equal(
    normalizeDn('MAIL=Jean.Martin@Hopital.MSSante.fr,OU=BAL,O=MSSante,C=FR'),
    'mail=jean.martin@hopital.mssante.fr,ou=bal,o=mssante,c=fr',
  );
  assert.ok(dnEquals('commonName=Hélène  Lefèvre,organizationName=X', 'cn=HÉLÈNE LEFÈVRE,o=x'));
  assert.ok(dnEquals('2.5.4.3=a,2.5.4.10=b', 'cn=A,o=B'));
  assert.ok(dnEquals('cn=a+sn=b,o=x', 'sn=B+cn=A,o=x'));
  assert.ok(dnEquals('cn=a\\2cb,o=x', 'cn=a\\,b,o=x'));
  assert.ok(!dnEquals('cn=helene,o=x', 'cn=hélène,o=x'), 'accents are significant (caseIgnoreMatch)');
  assert.equal(normalizeDn('cn=a\\,b,o=x'), 'cn=a\\,b,o=x');
});

test('invalid DNs are DnSyntaxErrors', () => {
  for (const text of ['cn', 'cn=a,', '=a', 'cn=a;o=b', 'cn="a"', 'cn=a\\', 'cn=a\\zz', 'c n=a', 'cn=#abc', 'cn=a,,o=b']) {
    assert.throws(() => parseDn(text), DnSyntaxError, text);
  }
});

test('scopes: base, one level, subtree', () => {
  const base = 'ou=bal,o=mssante,c=fr';
  const child = 'mail=a@b.mssante.fr,ou=bal,o=mssante,c=fr';
  const grandchild = 'cn=x,mail=a@b.mssante.fr,ou=bal,o=mssante,c=fr';
  const sibling = 'ou=other,o=mssante,c=fr';
  const table: [string, 'base' | 'one' | 'sub', boolean][] = [
    [base, 'base', true],
    [child, 'base', false],
    [base, 'one', false],
    [child, 'one', true],
    [grandchild, 'one', false],
    [base, 'sub', true],
    [child, 'sub', true],
    [grandchild, 'sub', true],
    [sibling, 'sub', false],
    ['c=fr', 'sub', false],
  ];
  for (const [entry, scope, expected] of table)
    assert.equal(isInScope(entry, 'OU=Bal, O=MSSante, C=FR', scope), expected, `${entry} ${scope}`);
  assert.ok(isInScope(child, '', 'sub'), 'the root contains everything');
  assert.ok(NormalizedDn.parse('').isRoot);
  assert.equal(NormalizedDn.parse(child).parent()?.text, base);
});

test('format then parse gives the same DN back (property)', () => {
  const type = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,6}$/);
  const value = fc.string({ unit: 'binary', maxLength: 12 });
  const dn = fc.array(fc.array(fc.record({ type, value }, { noNullPrototype: true }), { minLength: 1, maxLength: 3 }), { maxLength: 4 });
  fc.assert(
    fc.property(dn, (parsed) => {
      // Values that are only spaces, or empty, have no unambiguous string form worth testing here.
      fc.pre(parsed.every((rdn) => rdn.every((ava) => ava.value.trim() === ava.value || /\S/.test(ava.value))));
      const text = formatDn(parsed);
      assert.deepEqual(parseDn(text), parsed, text);
      assert.equal(normalizeDn(text), normalizeDn(formatDn(parseDn(text))));
    }),
    { numRuns: 500 },
  );
});
