// The deployment files of deploy/, checked without a container engine (there is none here): the
// compose file parses and hangs together (what it names exists, health-gated dependencies can
// become healthy, no host port twice, the two operator nodes share one configuration and the
// S3 service's bucket), the example operator configuration passes `mss serve`'s own check, the
// Garage set-up script is valid JavaScript, and the systemd unit passes `systemd-analyze verify`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadOperatorConfig } from '../src/config-file.ts';
import { selfSigned } from './support/self-signed.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const read = (name: string) => fs.readFileSync(path.join(DEPLOY, name), 'utf8');

type Reference = string | { source: string; target?: string };
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  secrets?: Reference[];
  configs?: Reference[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  name: string;
  services: Record<string, Service>;
  configs: Record<string, { file: string }>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}

// The Compose specification's top-level and service keys this project may use.
const TOP = ['name', 'services', 'configs', 'secrets', 'volumes', 'networks'];
const SERVICE = [
  'image',
  'build',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'depends_on',
  'secrets',
  'configs',
  'volumes',
  'ports',
  'healthcheck',
  'stop_grace_period',
  'restart',
];
const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

const compose = parse(read('compose.yaml'), { uniqueKeys: true, strict: true }) as Compose;
const services = Object.entries(compose.services);
const sourceOf = (r: Reference) => (typeof r === 'string' ? r : r.source);
/** The services that run `mss serve` with the operator configuration. */
const nodes = services.filter(([, s]) => s.configs?.some((c) => typeof c !== 'string' && c.target === '/etc/mss/operator.toml'));

test('compose.yaml: known keys; every service, config, secret, volume and file it names exists', () => {
  assert.deepEqual(
    Object.keys(compose).filter((k) => !TOP.includes(k)),
    [],
  );
  for (const [name, s] of services) {
    assert.deepEqual(
      Object.keys(s).filter((k) => !SERVICE.includes(k)),
      [],
      `${name}: unknown keys`,
    );
    assert.ok(Boolean(s.image) !== Boolean(s.build), `${name}: an image or a build, one of them`);
    if (s.build) assert.ok(fs.existsSync(path.join(DEPLOY, s.build.context, s.build.dockerfile)), `${name}: ${s.build.dockerfile}`);
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      assert.ok(compose.services[dep], `${name} depends on ${dep}, which is not a service`);
      assert.ok(CONDITIONS.includes(condition), `${name} → ${dep}: condition ${condition}`);
      // A dependency waited for as healthy must have a health check, or it never becomes healthy.
      if (condition === 'service_healthy') assert.ok(compose.services[dep]!.healthcheck, `${dep} has a health check`);
    }
    for (const r of s.secrets ?? []) assert.ok(compose.secrets[sourceOf(r)], `${name}: secret ${sourceOf(r)} is declared`);
    for (const r of s.configs ?? []) assert.ok(compose.configs[sourceOf(r)], `${name}: config ${sourceOf(r)} is declared`);
    for (const v of s.volumes ?? []) {
      const volume = v.split(':')[0]!;
      if (!volume.startsWith('.') && !volume.startsWith('/')) assert.ok(volume in compose.volumes, `${name}: volume ${volume} is declared`);
    }
  }
  // Configurations are in the repository; secrets (deploy/secrets/) are the operator's own.
  for (const [name, c] of Object.entries(compose.configs)) assert.ok(fs.existsSync(path.join(DEPLOY, c.file)), `config ${name}: ${c.file}`);
});

test('compose.yaml: no host port twice; two operator nodes, one configuration, the S3 service’s bucket', () => {
  const hostPorts = services.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':')[0]));
  assert.deepEqual(
    hostPorts.filter((p, i) => hostPorts.indexOf(p) !== i),
    [],
  );
  assert.ok(nodes.length >= 2, 'at least two operator nodes');
  const blobStores = new Set(nodes.map(([, s]) => s.environment?.MSS_BLOB_STORE));
  assert.equal(blobStores.size, 1, 'every node uses the same bucket');
  const url = new URL([...blobStores][0]!);
  assert.equal(url.protocol, 's3:');
  const endpoint = new URL(url.searchParams.get('endpoint')!);
  assert.ok(compose.services[endpoint.hostname], `the bucket's endpoint ${endpoint.hostname} is a service`);
  for (const [name, s] of nodes) {
    // The bucket must exist before a node starts: it waits for the S3 set-up, which waits for S3.
    const waits = (svc: Service, target: string, seen = new Set<string>()): boolean =>
      Object.keys(svc.depends_on ?? {}).some((d) => {
        if (d === target) return true;
        if (seen.has(d)) return false;
        seen.add(d);
        return waits(compose.services[d]!, target, seen);
      });
    assert.ok(waits(s, endpoint.hostname), `${name} starts after ${endpoint.hostname}`);
    assert.ok(waits(s, 'postgres'), `${name} starts after postgres`);
  }
});

test('operator.example.toml passes mss serve’s configuration check; the secrets it names are mounted on the nodes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-deploy-'));
  try {
    let text = read('operator.example.toml');
    const domain = /^domain = "([^"]+)"/m.exec(text)![1]!;
    // A self-signed certificate for the domain stands for the operator's, and for the trust anchor.
    selfSigned(dir, domain, 'cert.pem', 'key.pem');
    // The secrets named by keys in force (not those of commented-out examples).
    const live = text.replace(/^\s*#.*$/gm, '');
    const secrets = [...new Set([...live.matchAll(/"\/run\/secrets\/([^"]+)"/g)].map((m) => m[1]!))];
    const files: Record<string, string> = { 'operator-cert': 'cert.pem', 'operator-key': 'key.pem', 'trust-ca': 'cert.pem' };
    for (const s of secrets) {
      if (!files[s]) fs.writeFileSync(path.join(dir, s), 'a-secret-long-enough-for-any-check\n');
      text = text.replaceAll(`"/run/secrets/${s}"`, JSON.stringify(path.join(dir, files[s] ?? s)));
    }
    fs.writeFileSync(path.join(dir, 'operator.toml'), text);
    const config = loadOperatorConfig(path.join(dir, 'operator.toml'));
    assert.equal(config.domain, domain);
    for (const [name, s] of nodes) {
      const mounted = (s.secrets ?? []).map(sourceOf);
      assert.deepEqual(
        secrets.filter((x) => !mounted.includes(x)),
        [],
        `${name} mounts every secret the configuration names`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('garage-init.mjs is valid JavaScript; the systemd unit passes systemd-analyze verify', (t) => {
  execFileSync(process.execPath, ['--check', path.join(DEPLOY, 'garage-init.mjs')]);
  const r = spawnSync('systemd-analyze', ['verify', path.join(DEPLOY, 'mss-operator.service')], { encoding: 'utf8' });
  if (r.error) return t.skip('systemd-analyze is not installed');
  // The only complaint allowed: the program is not installed on this machine.
  const complaints = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('/opt/mss-operator'));
  assert.deepEqual(complaints, []);
});
