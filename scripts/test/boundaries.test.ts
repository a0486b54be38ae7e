// The operator's packages stand on their own (issue #17: "the operator no longer imports simulator
// code"): shipped code under packages/ never imports a stand-in, and @mss/store holds no code of
// the stand-ins' national services — the Annuaire's FHIR searches, change feed and search indexes,
// RPPS+'s registration requests — which live in their stand-ins on the store's engine layer
// (`@mss/store/engine`). Tests of a package may still start a stand-in as the other side of a
// real protocol (declared in its devDependencies, checked by workspace-manifests.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bareImports, readManifest, ROOT, workspaceDirs } from './support/workspace.ts';

/**
 * Known exceptions, each with its reason. The conformance kit (a tool for health software
 * vendors, not part of the operator) decodes the LDAP it records with the Annuaire's BER codec;
 * that codec moving to a package of its own is still to do.
 */
const ALLOWED: Record<string, readonly string[]> = { '@mss/conformance': ['@mss/annuaire'] };

/** A package's shipped code: everything but its tests, development scripts and installed modules. */
function shippedFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter(
      (f) =>
        !path
          .relative(dir, f)
          .split(path.sep)
          .some((part) => part === 'test' || part === 'scripts' || part === 'node_modules'),
    );
}

const nameOf = (dir: string) => readManifest(dir).name;

const standIns = new Set(
  workspaceDirs()
    .filter((d) => path.relative(ROOT, d).startsWith(`stand-ins${path.sep}`))
    .map(nameOf),
);
const packages = workspaceDirs().filter((d) => path.relative(ROOT, d).startsWith(`packages${path.sep}`));

test('the stand-ins are known by name (the check below has something to find)', () => {
  assert.ok(standIns.has('@mss/annuaire') && standIns.has('@mss/rpps-plus') && standIns.has('@mss/psc'), [...standIns].join(', '));
  assert.ok(packages.length >= 15);
});

test('shipped code under packages/ imports no stand-in, by name or by path', () => {
  const found: string[] = [];
  for (const dir of packages) {
    const pkg = nameOf(dir);
    for (const file of shippedFiles(dir)) {
      const source = fs.readFileSync(file, 'utf8');
      const where = path.relative(ROOT, file);
      for (const name of bareImports(source)) {
        if (standIns.has(name) && !ALLOWED[pkg]?.includes(name)) found.push(`${where} imports ${name}`);
      }
      for (const m of source.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        if (m[1]!.startsWith('.') && path.relative(ROOT, target).startsWith(`stand-ins${path.sep}`)) found.push(`${where} imports ${m[1]}`);
      }
    }
  }
  assert.deepEqual(found, []);
});

test('@mss/store holds no code of the Annuaire and RPPS+ stand-ins: no FHIR search, change feed, search index or registration request', () => {
  const src = path.join(ROOT, 'packages', 'store', 'src');
  const files = shippedFiles(src);
  assert.ok(
    files.some((f) => f.endsWith('directory.ts')),
    'the operator’s own copy of the directory stays',
  );
  const names = files.map((f) => path.relative(src, f));
  assert.deepEqual(
    names.filter((n) => /fhir|search|feed\b|directory-feed|rpps/i.test(n) && !/address-trigrams/.test(n)),
    [],
    'no FHIR, search, change-feed or RPPS+ module',
  );
  // The Annuaire's tables and symbols, which only its own migrations and repositories name.
  const annuaireOnly = [
    'directory_changes',
    'directory_counts',
    'directory_feed',
    'foldNameSql',
    'publishedMailboxes',
    'DirectoryReadRepo',
    'Practitioner',
    'pagePractitioners',
    'rpps_plus_',
  ];
  const found: string[] = [];
  for (const file of files) {
    const code = fs
      .readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const word of annuaireOnly) if (code.includes(word)) found.push(`${path.relative(ROOT, file)}: ${word}`);
  }
  assert.deepEqual(found, []);
});
