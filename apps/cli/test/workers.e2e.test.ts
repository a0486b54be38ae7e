// `mss serve --workers 2` (issue #17 point 2): two worker processes behind one primary, on one
// SQLite file (WAL) or one PostgreSQL schema. What one worker does, the other hears through the
// store's bus: IDLE on one sees an APPEND made on the other (RFC 2177; RFC 9051 §7.4.1 EXISTS); a
// mailbox suspended through the admin API ends the IMAP sessions of both with `* BYE` (R-AUTH-4);
// submissions spread over both are each delivered once. A worker killed with -9: the other keeps
// serving, the primary restarts it, another worker takes the once-per-operator jobs, and nothing
// acknowledged with 250 is lost (RFC 5321 §6.1). Which worker holds a connection is read from
// /proc (the socket's inode in the worker's descriptors), not asked of the server.
//
// One cluster for the whole file (CI time): started in `before`, drained in `after`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import { cibaToken, startPsc, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import type { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { startTrust } from '@mss/trust';
import { MSS_BIN, exitOf, firstLine, freePortBase } from './run-mss.ts';

const D = 'operateur-a.mssante.fr';
const GP = '810000001056';
const SOPHIE = '810000001395';
const PER = `paul.martin@${D}`;
const CAB = `cabinet.infirmiers-des-lilas@${D}`;
const ADMIN_PASSWORD = 'a-long-enough-admin-password';

let store: Store;
let cleanupStore: () => Promise<void>;
let psc: RunningPsc;
let stopTrust: () => Promise<void>;
let dir: string;
let child: ChildProcessWithoutNullStreams;
let endpoints: Record<string, string>;
let workerPids: number[];
let stderr = '';

before(async () => {
  const opened = await openTestStore();
  ({ store } = opened);
  cleanupStore = opened.cleanup;
  await seedDemo(store, D);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-workers-'));
  const logger = silentLogger();
  psc = await startPsc({ store, logger, host: '127.0.0.1', port: 0, dataDir: dir });
  const trust = await startTrust({
    host: '127.0.0.1',
    port: 0,
    dataDir: path.join(dir, 'ans'),
    logger,
    operators: [{ name: 'Opérateur A', domains: [D], mx: null }],
  });
  stopTrust = () => trust.stop();
  const cert = await trust.pki.issueServerCertificate({ commonName: D, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  fs.writeFileSync(path.join(dir, 'operator.pem'), cert.certPem);
  fs.writeFileSync(path.join(dir, 'operator.key.pem'), cert.keyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'ca.pem'), trust.pki.caCertPem);
  fs.writeFileSync(path.join(dir, 'admin-password'), `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
  const base = await freePortBase(5);
  const config = path.join(dir, 'operator.toml');
  fs.writeFileSync(
    config,
    [
      `domain = "${D}"`,
      'host = "127.0.0.1"',
      `data_dir = "${opened.dataDir}"`,
      ...(opened.databaseUrl ? [`database_url = "${opened.databaseUrl}"`] : []),
      'log_level = "info"',
      '[ports]',
      `admin_api = ${base}`,
      `smtp_submission = ${base + 1}`,
      `imap = ${base + 2}`,
      `smtp_relay = ${base + 3}`,
      `operations = ${base + 4}`,
      '[tls]',
      'certificate = "operator.pem"',
      'key = "operator.key.pem"',
      'ca = "ca.pem"',
      '[trust]',
      `whitelist_url = "${trust.url}/listeblanchemssante.xml"`,
      `crl_url = "${trust.url}/pki/ca.crl"`,
      '[psc]',
      `issuer = "${psc.issuer}"`,
      '[admin]',
      'password_file = "admin-password"',
    ].join('\n'),
  );
  child = spawn(process.execPath, [MSS_BIN, 'serve', '--config', config, '--workers', '2', '--json'], {
    env: { ...process.env, MSS_DATABASE_URL: '' },
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ready = JSON.parse(await firstLine(child, 180_000)) as { ready: boolean; endpoints: Record<string, string>; workers: number[] };
  assert.equal(ready.ready, true);
  endpoints = ready.endpoints;
  workerPids = ready.workers;
  assert.equal(new Set(workerPids).size, 2, 'two worker processes');
  assert.ok(!workerPids.includes(child.pid!), 'the workers are not the primary');
});

after(async () => {
  // What went wrong inside the processes, for whoever reads a failure.
  for (const l of logLines().filter((l) => Number(l.level) >= 50)) console.log(`# error logged: ${JSON.stringify(l).slice(0, 1500)}`);
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    const code = await exitOf(child);
    assert.equal(code, 0, stderr.slice(-3000));
  }
  await psc?.stop();
  await stopTrust?.();
  await cleanupStore?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const port = (key: string): number => Number(new URL(endpoints[key]!).port);
const token = async (idnat: string): Promise<string> => (await cibaToken({ pscUrl: psc.url, idnat })).access_token;

/** The structured log lines written so far (primary's and workers'). */
function logLines(): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Resolves once a log line satisfies `match` (the processes log as they act). */
async function logged(match: (line: Record<string, unknown>) => boolean, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines().find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms; last lines: ${stderr.slice(-2000)}`);
    await new Promise<void>((r) => child.stderr.once('data', () => r()));
  }
}

/**
 * The process holding the server side of a loopback connection: the socket whose local port is
 * the server's and remote port the client's (/proc/net/tcp), found among a process's descriptors.
 */
function holderOf(serverPort: number, clientPort: number, pids: number[]): number | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hex(serverPort)}`) && f[2]?.endsWith(`:${hex(clientPort)}`)) inode = f[9];
    }
  }
  if (!inode) return undefined;
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** A line-oriented IMAP conversation on a real socket (STARTTLS, XOAUTH2), knowing which worker serves it. */
class Imap {
  socket: net.Socket;
  buffer = '';
  pid: number | undefined;
  private waiters: (() => void)[] = [];
  constructor(socket: net.Socket) {
    this.socket = socket;
    this.listen(socket);
  }
  private listen(s: net.Socket): void {
    s.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      for (const f of this.waiters.splice(0)) f();
    });
    s.on('close', () => {
      for (const f of this.waiters.splice(0)) f();
    });
    s.on('error', () => {});
  }
  send(text: string): void {
    this.socket.write(text);
  }
  async until(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        const upto = this.buffer.slice(0, m.index + m[0].length);
        this.buffer = this.buffer.slice(m.index + m[0].length);
        return upto;
      }
      if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms; got ${JSON.stringify(this.buffer.slice(-500))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 1000).unref();
      });
    }
  }
  async command(tag: string, text: string): Promise<string> {
    this.send(`${tag} ${text}\r\n`);
    return this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
  }
  static async open(user: string, accessToken: string, pids: number[]): Promise<Imap> {
    const raw = net.connect(port('imap'), '127.0.0.1');
    await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
    const c = new Imap(raw);
    await c.until(/^\* OK [^\r]*\r\n/);
    // The greeting came from the worker that holds the socket now.
    c.pid = holderOf(port('imap'), raw.localPort!, pids);
    await c.command('t0', 'STARTTLS');
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((r) => secure.once('secureConnect', () => r()));
    c.socket = secure;
    c.listen(secure);
    const r = await c.command(
      't1',
      `AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`).toString('base64')}`,
    );
    assert.match(r, /t1 OK/);
    return c;
  }
}

/** Sessions of `user` on two different workers (connections are handed out in turn; opened until two workers are seen). */
async function onBothWorkers(user: string, accessToken: string): Promise<[Imap, Imap]> {
  const seen = new Map<number, Imap>();
  for (let i = 0; i < 12 && seen.size < 2; i++) {
    const c = await Imap.open(user, accessToken, workerPids);
    assert.ok(c.pid !== undefined, 'the connection is held by one of the workers');
    if (seen.has(c.pid)) c.socket.destroy();
    else seen.set(c.pid, c);
  }
  assert.equal(seen.size, 2, 'connections reached both workers');
  return [...seen.values()] as [Imap, Imap];
}

test('IDLE on one worker sees an APPEND made through the other (RFC 2177, RFC 9051 §7.4.1)', async () => {
  const [idler, writer] = await onBothWorkers(PER, await token(GP));
  try {
    const selected = await idler.command('s1', 'SELECT INBOX');
    const exists = Number(/\* (\d+) EXISTS/.exec(selected)![1]);
    idler.send('i1 IDLE\r\n');
    await idler.until(/\+ [^\r]*\r\n/);
    const m = `From: <${PER}>\r\nTo: <${PER}>\r\nSubject: d'un worker a l'autre\r\n\r\nbody\r\n`;
    assert.match(await writer.command('a1', `APPEND INBOX {${m.length}+}\r\n${m}`), /a1 OK \[APPENDUID /);
    const t = Date.now();
    await idler.until(new RegExp(`\\* ${exists + 1} EXISTS\\r\\n`), 60_000);
    console.log(`# EXISTS on worker ${idler.pid} ${Date.now() - t} ms after APPEND OK on worker ${writer.pid}`);
    idler.send('DONE\r\n');
    await idler.until(/i1 OK [^\r]*\r\n/);
  } finally {
    idler.socket.destroy();
    writer.socket.destroy();
  }
});

test('R-AUTH-4: a mailbox suspended through the admin API ends its IMAP sessions on both workers with * BYE', async () => {
  // Whichever worker the admin request reaches, one of the two sessions is on the other.
  const sessions = await onBothWorkers(CAB, await token(SOPHIE));
  const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  const setStatus = (status: string) =>
    fetch(`${endpoints.adminApi}/api/v1/mailboxes/${encodeURIComponent(CAB)}/status`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ status, reason: 'contrôle' }),
    });
  try {
    for (const [i, c] of sessions.entries()) {
      await c.command(`s${i}`, 'SELECT INBOX');
      c.send(`i${i} IDLE\r\n`);
      await c.until(/\+ [^\r]*\r\n/);
    }
    const start = Date.now();
    assert.equal((await setStatus('suspended')).status, 200);
    for (const c of sessions) {
      assert.match(await c.until(/\* BYE [^\r]*\r\n/, 60_000), /\* BYE [^\r]*suspend/i);
      console.log(`# BYE on worker ${c.pid} ${Date.now() - start} ms after the suspension was answered`);
    }
  } finally {
    for (const c of sessions) c.socket.destroy();
    assert.equal((await setStatus('active')).status, 200);
  }
});

/** Submits one message on a connection of its own (XOAUTH2); resolves with the 250 reply, rejects otherwise. */
async function submit(accessToken: string, subject: string): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: port('smtpSubmission'),
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user: PER, accessToken },
  });
  try {
    const info = await transport.sendMail({ from: PER, to: PER, subject, text: 'Bonjour,\n' });
    return info.response;
  } finally {
    transport.close();
  }
}

/** How many messages of PER's INBOX carry each subject starting with `prefix`. */
async function subjectsInInbox(prefix: string): Promise<Map<string, number>> {
  const c = await Imap.open(PER, await token(GP), workerPids);
  try {
    await c.command('s1', 'SELECT INBOX');
    const r = await c.command('f1', 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    const counts = new Map<string, number>();
    for (const m of r.matchAll(/Subject: ([^\r]*)\r\n/g)) if (m[1]!.startsWith(prefix)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    return counts;
  } finally {
    c.socket.destroy();
  }
}

test('submissions spread over both workers are each delivered once (RFC 5321 §6.1)', async () => {
  const accessToken = await token(GP);
  const before = logLines().filter((l) => l.msg === 'smtp message accepted').length;
  const subjects = Array.from({ length: 12 }, (_, i) => `reparti ${i}`);
  // Three at a time, each on a connection of its own: handed to the workers in turn.
  for (let i = 0; i < subjects.length; i += 3) {
    const replies = await Promise.all(subjects.slice(i, i + 3).map((s) => submit(accessToken, s)));
    for (const r of replies) assert.match(r, /^250 /);
  }
  await logged(() => logLines().filter((l) => l.msg === 'smtp message accepted').length >= before + subjects.length);
  const by = new Set(
    logLines()
      .filter((l) => l.msg === 'smtp message accepted')
      .slice(before)
      .map((l) => l.pid),
  );
  assert.deepEqual([...by].sort(), [...workerPids].sort(), 'both workers accepted some');
  const counts = await subjectsInInbox('reparti ');
  assert.deepEqual(
    subjects.filter((s) => counts.get(s) !== 1),
    [],
    'every message once',
  );
});

/** The process that runs the once-per-operator jobs, from the line naming it (the primary's choice on SQLite, the worker's own on PostgreSQL). */
const LEADER_CHOSEN = 'leader chosen for the once-per-operator jobs';
const isLeaderLine = (l: Record<string, unknown>): boolean => l.msg === LEADER_CHOSEN || /^leader: /.test(String(l.msg));
const leaderPidOf = (l: Record<string, unknown>): number => Number(l.msg === LEADER_CHOSEN ? l.workerPid : l.pid);

test('kill -9 of a worker: the other keeps serving, the primary restarts it, the jobs move, nothing acknowledged is lost', async () => {
  const accessToken = await token(GP);
  // The leader is the one killed: its jobs must move to the other.
  const killed = leaderPidOf(await logged(isLeaderLine));
  assert.ok(workerPids.includes(killed), 'one of the workers leads');
  const survivor = workerPids.find((p) => p !== killed)!;
  const acknowledged: string[] = [];
  const acknowledgedAfterKill: string[] = [];
  let n = 0;
  let killedAt = 0;
  // Three senders keep submitting, each message on a connection of its own, while the worker dies;
  // a connection cut by the kill gets no 250 (the client would send it again).
  const sender = async (): Promise<void> => {
    while (n < 24) {
      const subject = `survie ${n++}`;
      const startedAfterKill = killedAt > 0;
      try {
        assert.match(await submit(accessToken, subject), /^250 /);
        acknowledged.push(subject);
        if (startedAfterKill) acknowledgedAfterKill.push(subject);
      } catch {
        // not acknowledged: the client knows it was not delivered
      }
      if (killedAt === 0 && n >= 6) {
        killedAt = Date.now();
        process.kill(killed, 'SIGKILL');
      }
    }
  };
  await Promise.all([sender(), sender(), sender()]);
  assert.ok(acknowledgedAfterKill.length > 0, 'submissions started after the kill were acknowledged (the other worker served them)');
  const died = await logged((l) => l.msg === 'worker died' && l.workerPid === killed);
  assert.equal(died.signal, 'SIGKILL');
  const restarted = await logged((l) => l.msg === 'worker ready' && l.pid === child.pid && l.worker === died.worker && l.restarts === 1);
  // The jobs moved: a leader other than the killed process, named after the death.
  const afterDeath = () => logLines().slice(logLines().findIndex((l) => l.msg === 'worker died'));
  await logged(() => afterDeath().some((l) => isLeaderLine(l) && leaderPidOf(l) !== killed));
  // Every message answered 250 is in the mailbox, once.
  const counts = await subjectsInInbox('survie ');
  assert.deepEqual(
    acknowledged.filter((s) => !counts.has(s)),
    [],
    'nothing acknowledged is lost',
  );
  // The restarted worker serves: connections reach the survivor and the new process.
  workerPids = [survivor, Number(restarted.workerPid)];
  const [a, b] = await onBothWorkers(PER, accessToken);
  a.socket.destroy();
  b.socket.destroy();
  const metrics = await (await fetch(`${endpoints.operations}/metrics`)).text();
  assert.match(metrics, /^mss_worker_restarts_total 1$/m);
  assert.match(metrics, /^mss_workers\{state="ready"\} 2$/m);
});
