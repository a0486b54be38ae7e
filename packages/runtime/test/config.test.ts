// The configuration is the one reader of the environment: each MSS_* setting is typed and
// validated, and a bad value is one clear error naming the variable and what it accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  DEFAULT_BLOB_WORKERS,
  DEFAULT_PG_POOL_SIZE,
  MssError,
  createLogger,
  describeConfig,
  durationSetting,
  loadClientEnvironment,
  loadConfig,
  loadStoreSettings,
} from '../src/index.ts';

function configError(fn: () => unknown): MssError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MssError, `expected an MssError, got ${String(err)}`);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.exitCode, 2, 'a usage error');
    return err;
  }
  assert.fail('expected a configuration error');
}

test('defaults when nothing is set: pool of 10, 8 blob workers, level info', () => {
  const c = loadConfig({}, {});
  assert.equal(c.pgPoolSize, DEFAULT_PG_POOL_SIZE);
  assert.equal(c.pgPoolSize, 10);
  assert.equal(c.blobWorkers, DEFAULT_BLOB_WORKERS);
  assert.equal(c.blobWorkers, 8);
  assert.equal(c.logLevel, 'info');
  assert.match(describeConfig(c), / logLevel=info pgPoolSize=10 blobWorkers=8 /, 'every effective setting on the start-up line');
  assert.deepEqual(c.listeners, {
    maxConnectionsPerAddress: 256,
    imapLoginTimeoutMs: 60_000,
    imapIdleTimeoutMs: 1_800_000,
    ldapIdleTimeoutMs: 300_000,
  });
  assert.match(
    describeConfig(c),
    / maxConnectionsPerAddress=256 imapLoginTimeoutMs=60000 imapIdleTimeoutMs=1800000 ldapIdleTimeoutMs=300000 maxCotitulaires=20 addressReleaseDelayMs=31536000000 structureIdps=none rppsNoticeDelayMs=5000 ecpsActivationDelayMs=5000$/,
  );
});

test('listener limits and timeouts: MSS_MAX_CONNECTIONS_PER_ADDRESS, MSS_IMAP_*_TIMEOUT, MSS_LDAP_IDLE_TIMEOUT', () => {
  const l = loadConfig(
    {},
    { MSS_MAX_CONNECTIONS_PER_ADDRESS: '20', MSS_IMAP_LOGIN_TIMEOUT: '30s', MSS_IMAP_IDLE_TIMEOUT: '1h', MSS_LDAP_IDLE_TIMEOUT: '90' },
  ).listeners;
  assert.deepEqual(l, {
    maxConnectionsPerAddress: 20,
    imapLoginTimeoutMs: 30_000,
    imapIdleTimeoutMs: 3_600_000,
    ldapIdleTimeoutMs: 90_000,
  });
  assert.match(
    configError(() => loadConfig({}, { MSS_MAX_CONNECTIONS_PER_ADDRESS: '0' })).message,
    /^MSS_MAX_CONNECTIONS_PER_ADDRESS: "0" is not an integer from 1/,
  );
  // RFC 9051 §5.4: an autologout timer after authentication is at least 30 minutes.
  assert.match(
    configError(() => loadConfig({}, { MSS_IMAP_IDLE_TIMEOUT: '10m' })).message,
    /^MSS_IMAP_IDLE_TIMEOUT: "10m" is not a duration of at least 1800000 ms/,
  );
});

test('governance settings: MSS_MAX_COTITULAIRES and MSS_ADDRESS_RELEASE_DELAY, with documented defaults', () => {
  assert.deepEqual(loadConfig({}, {}).governance, { maxCotitulaires: 20, addressReleaseDelayMs: 365 * 86_400_000 });
  assert.deepEqual(loadConfig({}, { MSS_MAX_COTITULAIRES: '5', MSS_ADDRESS_RELEASE_DELAY: '90d' }).governance, {
    maxCotitulaires: 5,
    addressReleaseDelayMs: 90 * 86_400_000,
  });
  assert.equal(loadConfig({}, { MSS_ADDRESS_RELEASE_DELAY: '0' }).governance.addressReleaseDelayMs, 0, 'an operator may choose no wait');
  assert.match(
    configError(() => loadConfig({}, { MSS_MAX_COTITULAIRES: '0' })).message,
    /^MSS_MAX_COTITULAIRES: "0" is not an integer from 1 to 1000/,
  );
  assert.match(configError(() => loadConfig({}, { MSS_ADDRESS_RELEASE_DELAY: 'a year' })).message, /^MSS_ADDRESS_RELEASE_DELAY: "a year"/);
});

test('RPPS+ portal delays: MSS_RPPS_PLUS_NOTICE_DELAY and MSS_RPPS_PLUS_ECPS_DELAY, seconds by default in the sandbox (§7)', () => {
  assert.deepEqual(loadConfig({}, {}).rppsPlus, { rppsNoticeMs: 5000, ecpsActivationMs: 5000 });
  assert.deepEqual(loadConfig({}, { MSS_RPPS_PLUS_NOTICE_DELAY: '30m', MSS_RPPS_PLUS_ECPS_DELAY: '48h' }).rppsPlus, {
    rppsNoticeMs: 30 * 60_000,
    ecpsActivationMs: 48 * 3_600_000,
  });
  assert.match(describeConfig(loadConfig({}, {})), / rppsNoticeDelayMs=5000 ecpsActivationDelayMs=5000/);
  assert.match(configError(() => loadConfig({}, { MSS_RPPS_PLUS_ECPS_DELAY: 'soon' })).message, /^MSS_RPPS_PLUS_ECPS_DELAY: "soon"/);
});

test('MSS_PG_POOL_SIZE, MSS_BLOB_WORKERS, MSS_LOG_LEVEL are read and typed', () => {
  const c = loadConfig({}, { MSS_PG_POOL_SIZE: '25', MSS_BLOB_WORKERS: '0', MSS_LOG_LEVEL: 'debug' });
  assert.equal(c.pgPoolSize, 25);
  assert.equal(c.blobWorkers, 0, '0 = commits through the thread pool');
  assert.equal(c.logLevel, 'debug');
  assert.equal(loadConfig({ logLevel: 'warn' }, { MSS_LOG_LEVEL: 'debug' }).logLevel, 'warn', 'a flag wins over the environment');
  assert.deepEqual(loadStoreSettings({ MSS_PG_POOL_SIZE: ' 3 ' }), { pgPoolSize: 3, blobWorkers: 8, blobStore: { kind: 'file' } });
});

test('a bad number is an error naming the variable and the accepted range, never NaN', () => {
  assert.equal(
    configError(() => loadConfig({}, { MSS_PG_POOL_SIZE: 'lots' })).message,
    'MSS_PG_POOL_SIZE: "lots" is not an integer from 1 to 1000',
  );
  assert.equal(
    configError(() => loadConfig({}, { MSS_PG_POOL_SIZE: '0' })).message,
    'MSS_PG_POOL_SIZE: "0" is not an integer from 1 to 1000',
  );
  assert.equal(
    configError(() => loadConfig({}, { MSS_PG_POOL_SIZE: '2.5' })).message,
    'MSS_PG_POOL_SIZE: "2.5" is not an integer from 1 to 1000',
  );
  assert.equal(
    configError(() => loadConfig({}, { MSS_BLOB_WORKERS: '-1' })).message,
    'MSS_BLOB_WORKERS: "-1" is not an integer from 0 to 64',
  );
  assert.equal(
    configError(() => loadConfig({}, { MSS_BLOB_WORKERS: '1e3' })).message,
    'MSS_BLOB_WORKERS: "1e3" is not an integer from 0 to 64',
  );
});

test('a bad log level is an error listing the levels, from the variable or from the flag', () => {
  assert.equal(
    configError(() => loadConfig({}, { MSS_LOG_LEVEL: 'verbose' })).message,
    'MSS_LOG_LEVEL: "verbose" is not a log level (fatal, error, warn, info, debug, trace, silent)',
  );
  assert.match(configError(() => loadConfig({ logLevel: 'loud' }, {})).message, /^--log-level: "loud" is not a log level/);
});

test('durations: seconds or with a unit; below the minimum or garbage is an error', () => {
  assert.equal(durationSetting({}, 'MSS_X', { fallbackMs: 60_000, minMs: 100 }), 60_000);
  assert.equal(durationSetting({ MSS_X: '90' }, 'MSS_X', { fallbackMs: 1, minMs: 100 }), 90_000);
  assert.equal(durationSetting({ MSS_X: '30m' }, 'MSS_X', { fallbackMs: 1, minMs: 100 }), 1_800_000);
  assert.equal(durationSetting({ MSS_X: '250ms' }, 'MSS_X', { fallbackMs: 1, minMs: 100 }), 250);
  assert.match(
    configError(() => durationSetting({ MSS_X: '50ms' }, 'MSS_X', { fallbackMs: 1, minMs: 100 })).message,
    /^MSS_X: "50ms" is not a duration/,
  );
  assert.match(
    configError(() => durationSetting({ MSS_X: 'soon' }, 'MSS_X', { fallbackMs: 1, minMs: 100 })).message,
    /^MSS_X: "soon" is not a duration/,
  );
});

test('the client commands’ credentials come from the same place', () => {
  const env = { MSS_TOKEN: 't', MSS_ADMIN_PASSWORD: 'p', MSS_ANNUAIRE_API_KEY: 'k', MSS_STRUCTURE_IDP_PASSWORD: 's', MSS_DEBUG: '1' };
  assert.deepEqual(loadClientEnvironment(env), {
    token: 't',
    adminPassword: 'p',
    annuaireApiKey: 'k',
    structureIdpPassword: 's',
    debug: true,
  });
  assert.deepEqual(loadClientEnvironment({ MSS_TOKEN: '', MSS_DEBUG: '0' }), {
    token: undefined,
    adminPassword: undefined,
    annuaireApiKey: undefined,
    structureIdpPassword: undefined,
    debug: false,
  });
});

test('createLogger takes its level from the caller, not from MSS_LOG_LEVEL', () => {
  const before = process.env.MSS_LOG_LEVEL;
  process.env.MSS_LOG_LEVEL = 'trace';
  try {
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    assert.equal(createLogger({ destination: sink }).level, 'info');
    assert.equal(createLogger({ destination: sink, level: 'warn' }).level, 'warn');
  } finally {
    if (before === undefined) delete process.env.MSS_LOG_LEVEL;
    else process.env.MSS_LOG_LEVEL = before;
  }
});

test('MSS_DOCUMENT_REJECT (R-DOC-2): kinds refused, all, none by default; an unknown kind is named', async () => {
  const { loadDocumentPolicy } = await import('../src/index.ts');
  assert.deepEqual(loadConfig({}, {}).documentPolicy, {});
  assert.deepEqual(loadDocumentPolicy({ MSS_DOCUMENT_REJECT: 'codecda-mismatch, ins-disagrees' }), {
    'codecda-mismatch': 'reject',
    'ins-disagrees': 'reject',
  });
  assert.equal(Object.keys(loadDocumentPolicy({ MSS_DOCUMENT_REJECT: 'all' })).length, 11);
  assert.match(
    configError(() => loadConfig({}, { MSS_DOCUMENT_REJECT: 'codecda-mismatch,typo' })).message,
    /^MSS_DOCUMENT_REJECT: "typo" is not a mismatch kind \(all, or some of codecda-missing, /,
  );
});
