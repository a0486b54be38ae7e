// Every workspace package declares what it imports, so that it can be installed, built or
// published on its own and a dependency cannot be used by accident because another package
// of the workspace happened to pull it in (issue #19, "Package manifests declare what each
// package imports"). Shipped code (src/, bin/) may import only its `dependencies`; tests and
// development scripts (test/, scripts/) may also import its `devDependencies` or the
// repository's root `devDependencies` (the shared test clients: imapflow, nodemailer, fast-check…).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODE = /\.(ts|js|mjs)$/;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
}

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

export function workspaceDirs(): string[] {
  const out: string[] = [];
  for (const pattern of readManifest(ROOT).workspaces ?? []) {
    if (pattern.endsWith('/*')) {
      const parent = path.join(ROOT, pattern.slice(0, -2));
      for (const name of fs.readdirSync(parent).sort()) {
        if (fs.existsSync(path.join(parent, name, 'package.json'))) out.push(path.join(parent, name));
      }
    } else out.push(path.join(ROOT, pattern));
  }
  return out;
}

function codeFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && CODE.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => path.join(e.parentPath, e.name));
}

/**
 * Development code is under test/ or scripts/ (code generators); everything else of the package
 * ships (src/, bin/, or a flat package like bench/).
 */
function isTestFile(pkgDir: string, file: string): boolean {
  const top = path.relative(pkgDir, file).split(path.sep)[0];
  return top === 'test' || top === 'scripts';
}

const IMPORT_FORMS = [
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The package names a file imports by bare specifier (`pg`, `@mss/store`, `@fastify/swagger/x` → `@fastify/swagger`). */
export function bareImports(source: string): Set<string> {
  const out = new Set<string>();
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const form of IMPORT_FORMS) {
    for (const m of code.matchAll(form)) {
      const spec = m[1]!;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('#')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (builtinModules.includes(name)) continue;
      out.add(name);
    }
  }
  return out;
}

test('the import scanner sees every form and only bare package names', () => {
  const src = [
    "import { a } from 'pg';",
    "import type { B } from '@mss/store';",
    "import '@fastify/swagger/static';",
    "export { c } from 'kysely';",
    "const x = await import('jose');",
    "import fs from 'node:fs';",
    "import path from 'path';",
    "import { y } from './local.ts';",
    "// import { z } from 'commented-out';",
  ].join('\n');
  assert.deepEqual([...bareImports(src)].sort(), ['@fastify/swagger', '@mss/store', 'jose', 'kysely', 'pg']);
});

for (const dir of workspaceDirs()) {
  const manifest = readManifest(dir);
  test(`${manifest.name}: shipped code imports only its dependencies, tests also its devDependencies`, () => {
    const deps = new Set(Object.keys(manifest.dependencies ?? {}));
    const devDeps = new Set(Object.keys(manifest.devDependencies ?? {}));
    const rootDev = new Set(Object.keys(readManifest(ROOT).devDependencies ?? {}));
    const problems: string[] = [];
    const shippedUses = new Set<string>();
    for (const file of codeFiles(dir)) {
      const rel = path.relative(ROOT, file);
      const inTest = isTestFile(dir, file);
      for (const name of bareImports(fs.readFileSync(file, 'utf8'))) {
        if (name === manifest.name) continue;
        if (!inTest) shippedUses.add(name);
        if (deps.has(name)) continue;
        if (inTest && (devDeps.has(name) || rootDev.has(name))) continue;
        problems.push(`${rel} imports ${name}, which is not in ${inTest ? 'dependencies or devDependencies' : 'dependencies'}`);
      }
    }
    for (const name of deps) {
      if (!shippedUses.has(name) && !name.startsWith('@types/'))
        problems.push(`${name} is in dependencies but only tests (or nothing) import it`);
    }
    assert.deepEqual(problems, []);
  });
}
