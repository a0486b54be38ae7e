// `mss serve`: one operator from a configuration file, with no stand-in in the process (issue #17
// part 1), its operations endpoints, a drain on SIGTERM (idle IMAP sessions get `* BYE`, idle
// SMTP sessions `421`, exit 0), and a bad configuration answered in one line naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPsc, cibaToken } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import { openTestStore } from '@mss/store/testing';
import { startTrust } from '@mss/trust';
import { MSS_BIN, exitOf, firstLine, freePortBase, isolatedDatabaseEnv } from './run-mss.ts';
import { nodeToml, writeOperatorFiles } from './support/serve-node.ts';

const RECORDER = fileURLToPath(new URL('./support/record-modules.mjs', import.meta.url));
const DOMAIN = 'operateur-x.mssante.fr';

/** Trust material and files for one operator: its certificate from a CA, the CA, an admin password. */
async function operatorFiles(t: { after(fn: () => Promise<void> | void): void }): Promise<{ dir: string; trustUrl: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-serve-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The national trust space, played by the stand-in in this test process only.
  const trust = await startTrust({
    host: '127.0.0.1',
    port: 0,
    dataDir: path.join(dir, 'ans'),
    logger: silentLogger(),
    operators: [{ name: 'Opérateur X', domains: [DOMAIN], mx: null }],
  });
  t.after(() => trust.stop());
  await writeOperatorFiles(dir, trust, DOMAIN);
  return { dir, trustUrl: trust.url };
}

function toml(o: { trustUrl: string; base: number; databaseUrl?: string | undefined; pscIssuer?: string; extra?: string }): string {
  const node = nodeToml({
    domain: DOMAIN,
    dataDir: 'data',
    databaseUrl: o.databaseUrl,
    trustUrl: o.trustUrl,
    pscIssuer: o.pscIssuer ?? 'https://auth.esante.gouv.fr/auth/realms/esante-wallet',
    base: o.base,
  });
  return (
    node +
    [
      '[webmail]',
      'client_id = "webmail-x"',
      'client_secret_file = "admin-password"',
      `redirect_uri = "https://webmail.${DOMAIN}/webmail/callback"`,
      o.extra ?? '',
    ].join('\n')
  );
}

/** Reads from a socket until `pattern` has been seen; resolves with everything read. */
function readUntil(socket: net.Socket, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(text)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (pattern.test(text)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

test('mss serve runs an operator with no stand-in loaded; JMAP and the webmail; /healthz, /readyz, /metrics; SIGTERM drains', async (t) => {
  const { dir, trustUrl } = await operatorFiles(t);
  // Pro Santé Connect, played by the stand-in in this test process only (its own store).
  const pscStore = await openTestStore();
  await seedDemo(pscStore.store, 'operateur-a.mssante.fr');
  const psc = await startPsc({ store: pscStore.store, logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir: pscStore.dataDir });
  t.after(async () => {
    await psc.stop();
    await pscStore.cleanup();
  });
  const base = await freePortBase(5);
  const config = path.join(dir, 'operator.toml');
  fs.writeFileSync(config, toml({ trustUrl, base, databaseUrl: isolatedDatabaseEnv().MSS_DATABASE_URL, pscIssuer: psc.issuer }));
  const modules = path.join(dir, 'modules.txt');
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', RECORDER, MSS_BIN, 'serve', '--config', config, '--json'],
    { env: { ...process.env, MSS_RECORD_MODULES: modules, MSS_DATABASE_URL: '' } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const ready = JSON.parse(await firstLine(child)) as { ready: boolean; endpoints: Record<string, string> };
  assert.equal(ready.ready, true);
  assert.deepEqual(Object.keys(ready.endpoints).sort(), ['adminApi', 'imap', 'operations', 'smtpRelay', 'smtpSubmission']);
  const ops = ready.endpoints.operations!;
  assert.equal(ops, `http://127.0.0.1:${base + 4}`);

  // Nothing of the stand-ins is in the process (issue #17: "without any stand-in code loaded").
  const loaded = fs.readFileSync(modules, 'utf8').split('\n').filter(Boolean);
  assert.ok(
    loaded.some((u) => u.includes('/packages/operator/src/operator.ts')),
    'the recorder saw the operator being loaded (else this test proves nothing)',
  );
  assert.deepEqual(
    loaded.filter((u) => u.includes('/stand-ins/')),
    [],
  );

  // JMAP (RFC 8620 §2): the session resource answers a PSC bearer token; the webmail is served.
  const admin = ready.endpoints.adminApi!;
  const gp = '810000001056';
  const jmap = await fetch(`${admin}/.well-known/jmap`, {
    headers: { authorization: `Bearer ${(await cibaToken({ pscUrl: psc.url, idnat: gp })).access_token}` },
  });
  assert.equal(jmap.status, 200);
  const session = (await jmap.json()) as { username: string; accounts: object; capabilities: Record<string, unknown> };
  assert.equal(session.username, gp);
  assert.ok(session.capabilities['urn:ietf:params:jmap:mail']);
  assert.equal((await fetch(`${admin}/.well-known/jmap`)).status, 401, 'RFC 6750 §3: no token, no session');
  const login = await fetch(`${admin}/webmail`);
  assert.equal(login.status, 200);
  assert.match(await login.text(), /Se connecter avec Pro Santé Connect/);
  // The login goes to the configured issuer as the configured client, back to the configured redirect URI.
  const start = await fetch(`${admin}/webmail/connexion`, { redirect: 'manual' });
  assert.equal(start.status, 303);
  const authorize = new URL(start.headers.get('location')!);
  assert.ok(authorize.href.startsWith(`${psc.issuer}/`), authorize.href);
  assert.equal(authorize.searchParams.get('client_id'), 'webmail-x');
  assert.equal(authorize.searchParams.get('redirect_uri'), `https://webmail.${DOMAIN}/webmail/callback`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.match(start.headers.get('set-cookie') ?? '', /HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/i);
  assert.match(start.headers.get('set-cookie') ?? '', /; Secure/i);

  const health = await fetch(`${ops}/healthz`);
  assert.equal(health.status, 200);
  const readiness = await fetch(`${ops}/readyz`);
  assert.equal(readiness.status, 200);
  assert.equal(((await readiness.json()) as { status: string }).status, 'ready');

  // An IMAP session idling and an SMTP session between transactions, to be told at the drain.
  const imap = await connect(Number(new URL(ready.endpoints.imap!).port));
  await readUntil(imap, /^\* OK .*\r\n/);
  imap.write('a1 CAPABILITY\r\n');
  await readUntil(imap, /a1 OK/);
  const smtp = await connect(Number(new URL(ready.endpoints.smtpSubmission!).port));
  await readUntil(smtp, /^220 .*\r\n/);
  smtp.write('EHLO client.example\r\n');
  await readUntil(smtp, /250 [^\r\n]*\r\n$/);

  const metrics = await (await fetch(`${ops}/metrics`)).text();
  // Connections by listener, commands read, the queue, the directory feed, the event loop's lag.
  assert.match(metrics, /^mss_connections\{service="imap",operator="operateur-x\.mssante\.fr"\} 1$/m);
  assert.match(metrics, /^mss_connections\{service="smtpSubmission",operator="operateur-x\.mssante\.fr"\} 1$/m);
  assert.match(metrics, /^mss_commands_total\{service="imap",command="CAPABILITY",operator="operateur-x\.mssante\.fr"\} 1$/m);
  assert.match(metrics, /^mss_commands_total\{service="smtpSubmission",command="EHLO",operator="operateur-x\.mssante\.fr"\} 1$/m);
  assert.match(metrics, /^mss_queue_messages\{status="queued",operator="operateur-x\.mssante\.fr"\} 0$/m);
  assert.match(metrics, /^mss_queue_oldest_age_seconds\{operator="operateur-x\.mssante\.fr"\} 0$/m);
  assert.match(metrics, /^mss_directory_feed_lag_seconds\{operator="operateur-x\.mssante\.fr"\} \d/m);
  assert.match(metrics, /^# TYPE mss_access_decisions_total counter$/m);
  assert.match(metrics, /^mss_nodejs_eventloop_lag_seconds\{operator="operateur-x\.mssante\.fr"\} \d/m);

  const imapEnd = readUntil(imap, /\* BYE [^\r\n]*\r\n/);
  const smtpEnd = readUntil(smtp, /421 [^\r\n]*\r\n/);
  child.kill('SIGTERM');
  assert.match(await imapEnd, /\* BYE Server shutting down\r\n/, 'RFC 3501 §7.1.5: the idle session is told');
  assert.match(await smtpEnd, /^421 /m, 'RFC 5321 §3.8: the idle SMTP session is told');
  imap.destroy();
  smtp.destroy();
  assert.equal(await exitOf(child), 0, stderr.slice(-2000));
  assert.match(stderr, /"msg":"draining"/);
  assert.match(stderr, /"msg":"stopped"/);
});

test('a bad configuration: one line naming the key and the problem, exit 2, nothing started', async (t) => {
  const { dir, trustUrl } = await operatorFiles(t);
  const run = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const r = spawnSync(process.execPath, [MSS_BIN, 'serve', '--config', file], { encoding: 'utf8', env: { ...process.env } });
    return { status: r.status, stderr: r.stderr };
  };
  const good = toml({ trustUrl, base: 1 });
  const cases: [string, string, string][] = [
    [
      'operator.toml',
      good.replace('imap = 3', 'imapp = 3'),
      'mss: operator.toml: ports.imapp: unknown key (expected one of admin_api, smtp_submission, imap, smtp_relay, operations)',
    ],
    ['operator.toml', good.replace('imap = 3', 'imap = 70000'), 'mss: operator.toml: ports.imap: 70000 is not a TCP port (0-65535)'],
    [
      'operator.toml',
      good.replace('certificate = "operator.pem"', 'certificate = "missing.pem"'),
      `mss: operator.toml: tls.certificate: cannot read ${path.join(dir, 'missing.pem')} (ENOENT)`,
    ],
    ['operator.toml', good.replace('key = "operator.key.pem"', 'key = "ca.pem"'), 'mss: operator.toml: tls.key: is not a PEM private key'],
    [
      'operator.toml',
      good.replace(`domain = "${DOMAIN}"`, 'domain = "operateur-y.mssante.fr"'),
      "mss: operator.toml: tls.certificate: does not name the operator's domain operateur-y.mssante.fr",
    ],
    [
      'operator.toml',
      good.replace('[psc]\n', '[psc]\nissuer = "x"\n'),
      'mss: operator.toml: not valid TOML (line 24, column 1: Invalid TOML document: trying to redefine an already defined table or value)',
    ],
    [
      'operator.toml',
      good.replace('whitelist_url = "http://', 'whitelist_url = "ftp://'),
      `mss: operator.toml: trust.whitelist_url: "ftp://${trustUrl.slice(7)}/listeblanchemssante.xml" is not a URL (https or http)`,
    ],
    [
      'operator.json',
      JSON.stringify({ domain: 'gmail.com' }),
      'mss: operator.json: domain: "gmail.com" is not a sub-domain of mssante.fr (other than patient.mssante.fr)',
    ],
    ['operator.json', '{"domain": ', 'mss: operator.json: not valid JSON (Unexpected end of JSON input)'],
    ['operator.yaml', good, 'mss: operator.yaml: the configuration file must end in .toml or .json'],
    [
      'operator.toml',
      good.replace('/webmail/callback"', '/callback"'),
      `mss: operator.toml: webmail.redirect_uri: "https://webmail.${DOMAIN}/callback" must end in /webmail/callback (where the webmail takes PSC's answer)`,
    ],
  ];
  for (const [name, text, line] of cases) {
    const r = run(name, text);
    assert.equal(r.status, 2, line);
    assert.equal(r.stderr, `${line}\n`);
  }
  assert.equal(fs.existsSync(path.join(dir, 'data')), false, 'no data directory was created');
});
