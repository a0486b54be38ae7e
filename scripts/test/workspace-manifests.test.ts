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
import { bareImports, readManifest, ROOT, workspaceDirs } from './support/workspace.ts';

const CODE = /\.(ts|js|mjs)$/;

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
