/**
 * Which test files the README's test command runs, and which of them can reach the database.
 *
 * A test file reaches the database when anything it loads, transitively, is the store (`@mss/store`),
 * a database driver, the `mss` CLI (whose commands open a store), reads the database setting in test
 * code, or starts another Node process or thread (which may open a store of its own). The analysis
 * follows static and dynamic imports through relative paths and the workspace packages' exports; a
 * package's index pulls in the whole package, so it errs on the side of "reaches the database".
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The test files, as `npm test` has always globbed them. */
export const TEST_PATTERNS = [
  'packages/*/test/**/*.test.ts',
  'stand-ins/*/test/**/*.test.ts',
  'apps/*/test/**/*.test.ts',
  'scripts/test/*.test.ts',
  'bench/test/*.test.ts',
] as const;

/** The reviewed list of test files that never open a store: the PostgreSQL run skips them. */
export const WITHOUT_DATABASE_LIST = 'scripts/test-files-without-database.txt';

export function testFiles(root = ROOT): string[] {
  const found = TEST_PATTERNS.flatMap((pattern) => fs.globSync(pattern, { cwd: root }));
  return [...new Set(found)].map((f) => f.split(path.sep).join('/')).sort();
}

/** The files of the reviewed list (comments after `#` and blank lines ignored). */
export function listedWithoutDatabase(root = ROOT): string[] {
  return fs
    .readFileSync(path.join(root, WITHOUT_DATABASE_LIST), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

const DRIVERS = new Set(['pg', 'kysely', 'node:sqlite', 'better-sqlite3']);
/** `import … from`, `export … from` (group 1 is `type ` when the statement is erased), `import 'x'`, `import('x')`. */
const IMPORT =
  /\b(?:import|export)\s+(type\s+(?!from\b))?[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;
/** In code the tests run (not a package's src), these mean the database setting is read or the CLI started. */
const TEST_SIDE_SIGNS: [RegExp, string][] = [
  [/MSS_DATABASE_URL|testDatabaseUrl|TEST_ENGINE/, 'reads the database setting'],
  [/\bMSS_BIN\b|bin\/mss\.js|\bspawnMss\b|\bstartSandbox\b/, 'runs the mss CLI'],
];
/** Anywhere in what is loaded: another Node process or thread, which may open a store. */
const OTHER_NODE = /process\.execPath|\bnew Worker\s*\(|\bfork\s*\(/;
/** An import whose target is computed: the analysis cannot follow it. */
const COMPUTED_IMPORT = /\bimport\s*\(\s*[^'"\s)]/;

function workspacePackages(root: string): Map<string, { dir: string; exports: Record<string, string> }> {
  const packages = new Map<string, { dir: string; exports: Record<string, string> }>();
  for (const manifest of fs.globSync('{packages,stand-ins,apps}/*/package.json', { cwd: root })) {
    const json = JSON.parse(fs.readFileSync(path.join(root, manifest), 'utf8')) as {
      name: string;
      exports?: string | Record<string, string>;
      main?: string;
    };
    const exports = typeof json.exports === 'string' ? { '.': json.exports } : (json.exports ?? { '.': json.main ?? './index.js' });
    packages.set(json.name, { dir: path.dirname(manifest), exports });
  }
  return packages;
}

export interface DatabaseReach {
  /** Why the file may reach the database; empty when it cannot. */
  reasons: string[];
}

/** Analyses test files; results for shared modules are cached across files. */
export class DatabaseReachAnalysis {
  readonly #root: string;
  readonly #packages: ReturnType<typeof workspacePackages>;
  readonly #direct = new Map<string, { imports: string[]; reasons: string[] }>();

  constructor(root = ROOT) {
    this.#root = root;
    this.#packages = workspacePackages(root);
  }

  /** `file` is relative to the repository's root, or absolute. */
  reach(file: string): DatabaseReach {
    const reasons = new Set<string>();
    const seen = new Set<string>();
    const todo = [path.resolve(this.#root, file)];
    while (todo.length > 0) {
      const current = todo.pop()!;
      if (seen.has(current)) continue;
      seen.add(current);
      const direct = this.#directOf(current);
      for (const reason of direct.reasons) reasons.add(reason);
      todo.push(...direct.imports);
    }
    return { reasons: [...reasons].sort() };
  }

  #directOf(file: string): { imports: string[]; reasons: string[] } {
    const cached = this.#direct.get(file);
    if (cached) return cached;
    const relative = path.relative(this.#root, file).split(path.sep).join('/');
    const reasons: string[] = [];
    const imports: string[] = [];
    if (relative.startsWith('packages/store/')) reasons.push('imports @mss/store');
    let source = '';
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      reasons.push(`imports ${relative}, which cannot be read`);
    }
    const testSide = !/^(packages|stand-ins|apps)\/[^/]+\/src\//.test(relative);
    if (testSide) for (const [sign, reason] of TEST_SIDE_SIGNS) if (sign.test(source)) reasons.push(`${reason} (${relative})`);
    if (OTHER_NODE.test(source)) reasons.push(`starts another Node process or thread (${relative})`);
    if (COMPUTED_IMPORT.test(source)) reasons.push(`imports a computed module name (${relative})`);
    for (const match of source.matchAll(IMPORT)) {
      // Type-only statements are erased before the code runs: they load nothing.
      if (match[1]) continue;
      const specifier = (match[2] ?? match[3] ?? match[4])!;
      if (DRIVERS.has(specifier)) reasons.push(`imports ${specifier} (${relative})`);
      const target = this.#resolve(specifier, file);
      if (target === null) reasons.push(`imports ${specifier}, which the analysis cannot resolve (${relative})`);
      else if (target) imports.push(target);
    }
    const result = { imports, reasons };
    this.#direct.set(file, result);
    return result;
  }

  /** The file `specifier` loads; undefined for a third-party or built-in module, null for an unknown workspace one. */
  #resolve(specifier: string, from: string): string | undefined | null {
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(from), specifier);
      return /\.(ts|js|mjs)$/.test(target) ? target : undefined;
    }
    const scoped = /^(@mss\/[^/]+)(\/.*)?$/.exec(specifier);
    if (!scoped) return undefined;
    const pkg = this.#packages.get(scoped[1]!);
    const entry = pkg?.exports[scoped[2] ? `.${scoped[2]}` : '.'];
    return pkg && entry ? path.join(this.#root, pkg.dir, entry) : null;
  }
}

export interface TestSelection {
  /** The files to run. */
  files: string[];
  /** The files left out, when the database is PostgreSQL. */
  skipped: string[];
  /** Listed files that are no test file, or that the analysis finds a way to the database from: they are not skipped. */
  listProblems: string[];
  total: number;
}

/** What the README's test command runs: every test file on SQLite; under PostgreSQL, all but the listed, checked ones. */
export function selectTestFiles(databaseUrl: string | undefined, root = ROOT): TestSelection {
  const all = testFiles(root);
  if (!databaseUrl) return { files: all, skipped: [], listProblems: [], total: all.length };
  const analysis = new DatabaseReachAnalysis(root);
  const present = new Set(all);
  const skipped = new Set<string>();
  const listProblems: string[] = [];
  for (const file of listedWithoutDatabase(root)) {
    if (!present.has(file)) {
      listProblems.push(`${file} is listed in ${WITHOUT_DATABASE_LIST} but is no test file (renamed? removed?)`);
      continue;
    }
    const { reasons } = analysis.reach(file);
    if (reasons.length > 0) {
      listProblems.push(`${file} is listed in ${WITHOUT_DATABASE_LIST}, but it ${reasons.join('; ')}: it runs on PostgreSQL too`);
      continue;
    }
    skipped.add(file);
  }
  return { files: all.filter((file) => !skipped.has(file)), skipped: [...skipped], listProblems, total: all.length };
}
