// Third and fourth independent clients, from Debian: swaks (which has no XOAUTH2, so it checks
// everything up to AUTH) and `openssl s_client -starttls smtp` (verifying our certificate against
// the test PKI, then AUTH XOAUTH2 and raw bytes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { encodeXoauth2 } from '@mss/access';
import { GP, ORG, PER, eventually, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';

let w: SmtpWorld;
before(async () => {
  w = await startSmtpWorld();
});
after(async () => w.close());

// Asynchronous on purpose: the server under test runs in this very process.
async function swaks(args: string[]): Promise<{ out: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      'swaks',
      ['--server', '127.0.0.1', '--port', String(w.smtp.port), '--ehlo', 'client.example', ...args],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return { out: stdout + stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { out: (e.stdout ?? '') + (e.stderr ?? ''), code: e.code ?? -1 };
  }
}

test('swaks: in clear text STARTTLS is offered and AUTH is not; MAIL gets 530 5.7.0', async () => {
  const ehlo = await swaks(['--quit-after', 'EHLO']);
  assert.equal(ehlo.code, 0);
  assert.match(ehlo.out, /<- {2}250-STARTTLS/);
  assert.doesNotMatch(ehlo.out, /AUTH/);
  const mail = await swaks(['--from', PER, '--to', ORG]);
  assert.match(mail.out, /<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
  const auth = await swaks(['--auth', 'PLAIN', '--auth-user', PER, '--auth-password', 'x', '--from', PER, '--to', ORG]);
  assert.match(auth.out, /Host did not advertise authentication/);
  assert.notEqual(auth.code, 0);
});

test('swaks: after STARTTLS (certificate verified against the test PKI) only XOAUTH2 and OAUTHBEARER', async () => {
  const ehlo = await swaks(['--tls', '--tls-verify', '--tls-ca-path', w.caFile, '--quit-after', 'HELO']);
  assert.equal(ehlo.code, 0, ehlo.out);
  assert.match(ehlo.out, /=== TLS started with cipher TLSv1\.[23]/);
  assert.match(ehlo.out, /<~ {2}250-AUTH XOAUTH2 OAUTHBEARER/);
  assert.match(ehlo.out, /<~ {2}250 SIZE 26214400/);
  assert.doesNotMatch(ehlo.out, /<~ {2}250-STARTTLS/);
  const plain = await swaks(['--tls', '--auth', 'PLAIN', '--auth-user', PER, '--auth-password', 'x', '--from', PER, '--to', ORG]);
  assert.match(plain.out, /Auth not attempted, requested type not available/);
  const anonymous = await swaks(['--tls', '--from', PER, '--to', ORG]);
  assert.match(anonymous.out, /<~\* 530 5\.7\.0 Authentication required/);
});

/** openssl s_client as a line-oriented client: write bytes, wait for what the server says. */
function openssl(): {
  write(s: string): void;
  until(re: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  kill(): void;
} {
  const child = spawn(
    'openssl',
    [
      's_client',
      '-starttls',
      'smtp',
      '-connect',
      `127.0.0.1:${w.smtp.port}`,
      '-quiet',
      '-ign_eof',
      '-CAfile',
      w.caFile,
      '-verify_return_error',
      '-verify_hostname',
      'localhost',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    write: (s) => child.stdin.write(s),
    async until(re, ms = 20_000) {
      await eventually(() => re.test(out), ms).catch(() => assert.fail(`${re} not seen in:\n${out}`));
      return out;
    },
    exited,
    kill: () => child.kill(),
  };
}

test('openssl s_client: verified STARTTLS, AUTH XOAUTH2, a pipelined transaction is delivered', async () => {
  const before = (await w.inbox(ORG)).length;
  const s = openssl();
  try {
    s.write('EHLO openssl.example\r\n');
    await s.until(/250-AUTH XOAUTH2 OAUTHBEARER/);
    s.write(`AUTH XOAUTH2 ${encodeXoauth2(PER, await w.token(GP))}\r\n`);
    await s.until(/235 2\.7\.0 /);
    s.write(`MAIL FROM:<${PER}>\r\nRCPT TO:<${ORG}>\r\nDATA\r\n`);
    await s.until(/354 /);
    s.write(`From: <${PER}>\r\nSubject: openssl\r\n\r\nhello\r\n.\r\n`);
    const out = await s.until(/250 2\.0\.0 Ok: accepted as/);
    assert.match(out, /verify return:1/);
    assert.doesNotMatch(out, /verify error/);
    s.write('QUIT\r\n');
    await s.until(/221 /);
  } finally {
    s.kill();
    await s.exited;
  }
  assert.equal((await w.inbox(ORG)).at(-1)?.subject, 'openssl');
  assert.equal((await w.inbox(ORG)).length, before + 1);
});

test('openssl s_client: a smuggling attempt sent in one go is refused at its first command and the connection closed', async () => {
  const before = (await w.inbox(ORG)).length;
  const s = openssl();
  try {
    s.write('EHLO openssl.example\r\n');
    await s.until(/250-AUTH/);
    s.write(`AUTH XOAUTH2 ${encodeXoauth2(PER, await w.token(GP))}\r\n`);
    await s.until(/235 2\.7\.0 /);
    const msg = (subject: string) => `From: <${PER}>\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
    s.write(
      `MAIL FROM:<${PER}>\r\nRCPT TO:<${ORG}>\r\nDATA\r\n${msg('outer')}\n.\r\nMAIL FROM:<${PER}>\r\nRCPT TO:<${ORG}>\r\nDATA\r\n${msg('smuggled')}.\r\n`,
    );
    const out = await s.until(/550 5\.5\.2 Error: bare <LF> received/);
    assert.doesNotMatch(out, /250 2\.0\.0/);
    assert.doesNotMatch(out.slice(out.indexOf('235 2.7.0')), /250 2\.1\.0/, 'not even the first MAIL was run');
    // The server hung up: s_client ends on its own.
    const code = await Promise.race([s.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
    assert.notEqual(code, 'still running');
  } finally {
    s.kill();
    await s.exited;
  }
  assert.equal((await w.inbox(ORG)).length, before);
});
