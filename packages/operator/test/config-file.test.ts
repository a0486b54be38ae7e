// `mss serve`'s configuration check, in process (apps/cli/test/serve.e2e.test.ts runs ten bad
// files through `mss serve` itself: exit 2, one line on stderr). Here every other kind of key:
// each bad value is refused before anything starts, in one line naming the file, the key and
// what is wrong — never a default silently taken instead (issue #17, "Bad input and faults").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOperatorConfig } from '../src/config-file.ts';
import { selfSigned } from './support/self-signed.ts';

const DOMAIN = 'operateur-c.mssante.fr';
let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-config-'));
  selfSigned(dir, DOMAIN, 'operator.pem', 'operator.key.pem');
  selfSigned(dir, DOMAIN, 'other.pem', 'other.key.pem');
  fs.writeFileSync(path.join(dir, 'admin-password'), 'a-long-enough-admin-password\n');
  fs.writeFileSync(path.join(dir, 'short-password'), 'short\n');
  fs.writeFileSync(path.join(dir, 'feed-key'), 'a-feed-key\n');
  fs.writeFileSync(path.join(dir, 'empty'), '\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const GOOD = `domain = "${DOMAIN}"
database_url = "postgres://mss@db:5432/mss"
drain_timeout = "30s"

[tls]
certificate = "operator.pem"
key = "operator.key.pem"
ca = "operator.pem"

[trust]
whitelist_url = "https://trust.example/listeblanchemssante.xml"
crl_url = "https://trust.example/ca.crl"
refresh_interval = "60s"

[psc]
issuer = "https://auth.esante.gouv.fr/auth/realms/esante-wallet"

[annuaire]
feed_url = "https://annuaire.example"
feed_key_file = "feed-key"

[webmail]
client_id = "mss-webmail"
redirect_uri = "https://mail.example/webmail/callback"

[admin]
password_file = "admin-password"
`;

function load(text: string, name = 'operator.toml') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return loadOperatorConfig(file);
}

test('the reference configuration is accepted', () => {
  const c = load(GOOD);
  assert.equal(c.domain, DOMAIN);
  assert.equal(c.drainTimeoutMs, 30_000);
  assert.equal(c.leaderRetryMs, 5000, 'a standby node tries for the leader lock every 5 s unless told');
  assert.equal(c.directoryFeed?.key, 'a-feed-key');
  assert.equal(load(`leader_retry = "750ms"\n${GOOD}`).leaderRetryMs, 750);
});

test('each bad key: one line naming the file, the key and the problem', () => {
  const cases: [string, string][] = [
    [GOOD.replace(`domain = "${DOMAIN}"\n`, ''), 'operator.toml: domain: is required'],
    [`ports = "all"\n${GOOD}`, 'operator.toml: ports: must be a table of keys'],
    [`log_level = "verbose"\n${GOOD}`, 'operator.toml: log_level: "verbose" is not one of'],
    [
      GOOD.replace('postgres://mss@db:5432/mss', 'mysql://db/mss'),
      'operator.toml: database_url: "mysql://db/mss" is not a URL (postgres or postgresql)',
    ],
    [
      GOOD.replace('drain_timeout = "30s"', 'drain_timeout = "soon"'),
      'operator.toml: drain_timeout: "soon" is not a duration of at least 0 ms',
    ],
    [`leader_retry = "10ms"\n${GOOD}`, 'operator.toml: leader_retry: "10ms" is not a duration of at least 100 ms'],
    [
      GOOD.replace('refresh_interval = "60s"', 'refresh_interval = "10ms"'),
      'operator.toml: trust.refresh_interval: "10ms" is not a duration of at least 1000 ms',
    ],
    [
      GOOD.replace('key = "operator.key.pem"', 'key = "other.key.pem"'),
      "operator.toml: tls.key: is not the private key of tls.certificate's public key",
    ],
    [GOOD.replace('ca = "operator.pem"', 'ca = "feed-key"'), 'operator.toml: tls.ca: is not a PEM certificate'],
    [GOOD.replace('[psc]\n', '[psc]\naudience = []\n'), 'operator.toml: psc.audience: must be a non-empty string or list of strings'],
    [GOOD.replace('feed_key_file = "feed-key"', 'feed_key_file = "empty"'), 'operator.toml: annuaire.feed_key_file: is empty'],
    [
      GOOD.replace('password_file = "admin-password"', 'password_file = "short-password"'),
      'operator.toml: admin.password_file: holds a password shorter than 12 characters',
    ],
    [
      GOOD.replace('/webmail/callback', '/callback'),
      'operator.toml: webmail.redirect_uri: "https://mail.example/callback" must end in /webmail/callback',
    ],
    [GOOD.replace('client_id = "mss-webmail"\n', ''), 'operator.toml: webmail.client_id: is required'],
    [GOOD.replace('[admin]', '[admin]\nuser = "root"'), 'operator.toml: admin.user: unknown key (expected one of password_file)'],
  ];
  for (const [text, start] of cases) {
    assert.throws(
      () => load(text),
      (err: Error & { code?: string; exitCode?: number }) => {
        assert.ok(err.message.startsWith(start), `${JSON.stringify(err.message)} starts with ${JSON.stringify(start)}`);
        assert.doesNotMatch(err.message, /\n/, 'one line');
        assert.deepEqual([err.code, err.exitCode], ['CONFIG_INVALID', 2]);
        return true;
      },
    );
  }
});

test('a file that is not there, or not a table: one line too', () => {
  const missing = path.join(dir, 'absent.toml');
  assert.throws(() => loadOperatorConfig(missing), { message: `${missing}: cannot read the configuration file (ENOENT)` });
  assert.throws(() => load('[1, 2]', 'operator.json'), { message: 'operator.json: must hold a table (an object) of settings' });
});
