import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MssError } from '@mss/runtime';
import {
  MES_OPERATOR_NAME,
  PATIENT_DOMAIN,
  WHITELIST_NAMESPACE,
  emptyWhitelist,
  loadWhitelist,
  normaliseWhitelist,
  parseRoutes,
  parseWhitelistXml,
  saveWhitelist,
  toRoutes,
  toXml,
  upsertOperator,
  whitelistDomains,
  type Whitelist,
} from '../src/index.ts';
import { DEFAULT_XML_LIMITS, XmlError, parseXml } from '@mss/trust-client';
import { tempDir } from './support.ts';

const NS = WHITELIST_NAMESPACE;
const invalid = (err: unknown) => err instanceof MssError && err.code === 'TRUST_WHITELIST_INVALID';

function sample(): Whitelist {
  return normaliseWhitelist({
    operators: [
      { name: 'Opérateur A', domains: ['operateur-a.mssante.fr', 'CH-Exemple.mssante.fr'], mx: { host: '127.0.0.1', port: 10025 } },
      { name: 'Opérateur B', domains: ['operateur-b.mssante.fr'], mx: { host: '127.0.0.1', port: 11025 } },
    ],
  });
}

test('XML round trip: every domain, lower case, the patient domain included', () => {
  const list = sample();
  const xml = toXml(list);
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
  assert.match(xml, new RegExp(`<ListeBlanche xmlns="${NS}">`));
  assert.match(xml, /<Domaine><Nom>operateur-b\.mssante\.fr<\/Nom><\/Domaine>/);
  assert.deepEqual(parseWhitelistXml(xml), ['ch-exemple.mssante.fr', 'operateur-a.mssante.fr', 'operateur-b.mssante.fr', PATIENT_DOMAIN]);
  assert.deepEqual(parseWhitelistXml(xml), whitelistDomains(list));
});

test('the patient domain is always listed, without a route until Mon Espace Santé registers', () => {
  const empty = emptyWhitelist();
  assert.deepEqual(empty.operators, [{ name: MES_OPERATOR_NAME, domains: [PATIENT_DOMAIN], mx: null }]);
  assert.deepEqual(parseWhitelistXml(toXml(empty)), [PATIENT_DOMAIN]);
  assert.deepEqual(toRoutes(empty).routes[PATIENT_DOMAIN], { operator: MES_OPERATOR_NAME, mx: null });
  const served = upsertOperator(empty, { name: MES_OPERATOR_NAME, domains: [PATIENT_DOMAIN], mx: { host: '127.0.0.1', port: 12025 } });
  assert.equal(served.created, false);
  assert.deepEqual(toRoutes(served.list).routes[PATIENT_DOMAIN]?.mx, { host: '127.0.0.1', port: 12025 });
  // Someone else cannot take it.
  assert.throws(
    () => upsertOperator(empty, { name: 'Pirate', domains: [PATIENT_DOMAIN], mx: null }),
    (err: unknown) => err instanceof MssError && err.code === 'TRUST_DOMAIN_TAKEN',
  );
});

test('the parser reads //n:Domaine/n:Nom whatever the prefix, and tolerates unknown elements', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- published by the ANS -->
<lb:Liste xmlns:lb="${NS}" xmlns:x="urn:other" version="2">
  <lb:Entete><lb:Date>2025-01-01</lb:Date><x:Signature alg='x'>abc</x:Signature></lb:Entete>
  <lb:Operateur id="1">
    <lb:Domaine type="BAL"><lb:Nom> Medecin.MSSante.fr. </lb:Nom><lb:Statut>actif</lb:Statut></lb:Domaine>
    <lb:Domaine><lb:Nom><![CDATA[ch-exemple.mssante.fr]]></lb:Nom></lb:Domaine>
  </lb:Operateur>
  <Domaine xmlns="${NS}"><Nom>ars&#45;idf.mssante.fr</Nom></Domaine>
  <lb:Domaine><lb:Nom>pas un domaine !</lb:Nom></lb:Domaine>
  <lb:Domaine><lb:Nom>medecin.mssante.fr</lb:Nom></lb:Domaine>
  <?processing instruction?>
</lb:Liste>
`;
  assert.deepEqual(parseWhitelistXml(xml), ['ars-idf.mssante.fr', 'ch-exemple.mssante.fr', 'medecin.mssante.fr']);
});

test('the parser is strict about the namespace', () => {
  // No namespace at all: not a whitelist.
  assert.throws(
    () => parseWhitelistXml('<ListeBlanche><Domaine><Nom>a.mssante.fr</Nom></Domaine></ListeBlanche>'),
    (err: unknown) => invalid(err) && /no element in namespace/.test((err as Error).message),
  );
  // Another namespace (http instead of https is another URI).
  assert.throws(
    () =>
      parseWhitelistXml(
        '<ListeBlanche xmlns="http://listeblanche.mssante.fr/schema"><Domaine><Nom>a.mssante.fr</Nom></Domaine></ListeBlanche>',
      ),
    invalid,
  );
  // Elements of the right name in the wrong namespace do not count, even in a valid list.
  const mixed = `<ListeBlanche xmlns="${NS}" xmlns:o="urn:other">
    <o:Domaine><o:Nom>faux.mssante.fr</o:Nom></o:Domaine>
    <Domaine><o:Nom>faux2.mssante.fr</o:Nom><Nom>vrai.mssante.fr</Nom></Domaine>
    <o:Wrapper><Domaine><Nom>profond.mssante.fr</Nom></Domaine></o:Wrapper>
  </ListeBlanche>`;
  assert.deepEqual(parseWhitelistXml(mixed), ['profond.mssante.fr', 'vrai.mssante.fr']);
  // Nom must be a child of Domaine.
  assert.deepEqual(parseWhitelistXml(`<L xmlns="${NS}"><Nom>seul.mssante.fr</Nom></L>`), []);
  // An undeclared prefix is an error, not "no namespace".
  assert.throws(
    () => parseWhitelistXml('<n:L><n:Domaine/></n:L>'),
    (err: unknown) => invalid(err) && /unbound namespace prefix: "n"/.test((err as Error).message),
  );
});

test('malformed, truncated or hostile documents are errors', () => {
  const good = toXml(sample());
  const cases: [string, RegExp][] = [
    [good.slice(0, good.length - 20), /is not closed \(truncated document\?\)/],
    [good.slice(0, good.length / 2), /is not closed \(truncated document\?\)/],
    ['', /must contain a root element/],
    ['<html><body>Service indisponible</body></html', /<html> is not closed/],
    [`<L xmlns="${NS}"><Domaine><Nom>a.mssante.fr</Domaine></L>`, /unexpected close tag/],
    [`<L xmlns="${NS}"></L><L xmlns="${NS}"></L>`, /only one root/],
    [`<L xmlns="${NS}" a="1" a="2"></L>`, /duplicate attribute: a/],
    [`<!DOCTYPE L [<!ENTITY x "y">]><L xmlns="${NS}"><Domaine><Nom>&x;</Nom></Domaine></L>`, /DOCTYPE is not accepted/],
    [`<!DOCTYPE L SYSTEM "file:///etc/passwd"><L xmlns="${NS}"></L>`, /DOCTYPE is not accepted/],
    [`<L xmlns="${NS}"><Domaine><Nom>&unknown;</Nom></Domaine></L>`, /undefined entity/],
    [`<L xmlns="${NS}"><Domaine><Nom>a & b</Nom></Domaine></L>`, /not closed|entity/],
    [`${'<a>'.repeat(100)}`, /nested too deep/],
    [`{"operators": []}`, /text data outside of root/],
  ];
  for (const [xml, pattern] of cases) {
    assert.throws(
      () => parseWhitelistXml(xml),
      (err: unknown) => invalid(err) && pattern.test((err as Error).message),
      `expected ${pattern} for ${xml.slice(0, 60)}`,
    );
  }
});

test('billion laughs: entity declarations are refused with the DOCTYPE, before any is expanded', () => {
  // The classic: ten levels of ten references, 10^9 "lol"s (3 GB) if expanded.
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  const bomb = `<?xml version="1.0"?>\n<!DOCTYPE L [\n${levels.join('\n')}\n]>\n<L xmlns="${NS}"><Domaine><Nom>&lol9;</Nom></Domaine></L>`;
  assert.throws(
    () => parseWhitelistXml(bomb),
    (err: unknown) => invalid(err) && /DOCTYPE is not accepted \(line \d+\)/.test((err as Error).message),
  );
  // Without its DOCTYPE the reference names nothing: an error, never an expansion.
  const body = bomb.slice(bomb.indexOf('<L '));
  assert.throws(
    () => parseWhitelistXml(body),
    (err: unknown) => invalid(err) && /undefined entity/.test((err as Error).message),
  );
  // Quadratic blow-up needs declared entities too; the predefined ones expand to one character.
  const amps = `<L xmlns="${NS}"><Domaine><Nom>${'&amp;'.repeat(100_000)}</Nom></Domaine></L>`;
  assert.deepEqual(parseWhitelistXml(amps), [], 'read, and not a domain');
});

test('limits: a document over the size accepted is refused before it is parsed', () => {
  const good = toXml(sample());
  assert.ok(parseXml(good, { maxChars: good.length }));
  assert.throws(
    () => parseXml(good, { maxChars: good.length - 1 }),
    (err: unknown) => err instanceof XmlError && /larger than the \d+ characters accepted/.test(err.message),
  );
  const huge = `<L xmlns="${NS}">${' '.repeat(DEFAULT_XML_LIMITS.maxChars)}</L>`;
  assert.throws(
    () => parseWhitelistXml(huge),
    (err: unknown) => invalid(err) && /larger than the 16777216 characters accepted/.test((err as Error).message),
  );
  assert.throws(
    () => parseXml('<a><b><c/></b></a>', { maxDepth: 2 }),
    (err: unknown) => err instanceof XmlError && /nested too deep/.test(err.message),
  );
  assert.ok(parseXml('<a><b><c/></b></a>', { maxDepth: 3 }));
});

test('the data model is validated: mssante.fr domains, one owner per domain, a usable MX', () => {
  const list = sample();
  assert.throws(
    () => upsertOperator(list, { name: 'Intrus', domains: ['OPERATEUR-A.mssante.fr'], mx: null }),
    (err: unknown) => err instanceof MssError && err.code === 'TRUST_DOMAIN_TAKEN' && /belongs to operator "Opérateur A"/.test(err.message),
  );
  assert.throws(
    () => upsertOperator(list, { name: 'X', domains: ['gmail.com'], mx: null }),
    (err: unknown) => invalid(err) && /not under mssante\.fr/.test((err as Error).message),
  );
  assert.throws(() => upsertOperator(list, { name: 'X', domains: [], mx: null }), invalid);
  assert.throws(() => upsertOperator(list, { name: '', domains: ['x.mssante.fr'], mx: null }), invalid);
  assert.throws(() => upsertOperator(list, { name: 'X', domains: ['x.mssante.fr'], mx: { host: '127.0.0.1', port: 70000 } }), invalid);
  assert.throws(
    () =>
      normaliseWhitelist({
        operators: [
          { name: 'A', domains: ['a.mssante.fr'], mx: null },
          { name: 'B', domains: ['a.mssante.fr'], mx: null },
        ],
      }),
    invalid,
  );

  // Re-registering under the same name replaces the entry (domains and MX).
  const moved = upsertOperator(list, {
    name: 'Opérateur B',
    domains: ['operateur-b.mssante.fr', 'ght-b.mssante.fr'],
    mx: { host: 'localhost', port: 11026 },
  });
  assert.equal(moved.created, false);
  assert.deepEqual(toRoutes(moved.list).routes['ght-b.mssante.fr'], { operator: 'Opérateur B', mx: { host: 'localhost', port: 11026 } });
  assert.equal(moved.list.operators.length, list.operators.length);
  assert.ok(moved.list.updatedAt);
});

test('the list persists as JSON in the data dir', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'trust', 'whitelist.json');
  assert.equal(await loadWhitelist(file), undefined);
  const list = { ...sample(), updatedAt: '2025-03-01T10:00:00.000Z' };
  await saveWhitelist(file, list);
  assert.deepEqual(await loadWhitelist(file), list);
  await fs.writeFile(file, '{ broken');
  await assert.rejects(
    loadWhitelist(file),
    (err: unknown) => invalid(err) && /not valid JSON.*fix or delete it/.test((err as Error).message),
  );
});

test('routes.json round trip and validation', () => {
  const routes = toRoutes(sample());
  assert.deepEqual(parseRoutes(JSON.parse(JSON.stringify(routes))), routes);
  assert.deepEqual(routes.routes['ch-exemple.mssante.fr'], { operator: 'Opérateur A', mx: { host: '127.0.0.1', port: 10025 } });
  assert.throws(() => parseRoutes({ version: 2, routes: {} }), invalid);
  assert.throws(() => parseRoutes({ version: 1, routes: { 'a.mssante.fr': { operator: 'A', mx: { host: '', port: 25 } } } }), invalid);
  assert.throws(() => parseRoutes('<html>'), invalid);
});
