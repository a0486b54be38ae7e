// The operator follows the Annuaire (issue #15) end to end, on the sandbox: Julie Bernard, Dr
// Martin's secretary (RPPS+ situation employed by him), has an IMAP session open on his PER as
// his delegate (raw socket: STARTTLS, AUTHENTICATE XOAUTH2 with a real PSC token, IDLE). Her
// situation is ended in the Annuaire (the RPPS+ registry, on the Annuaire's own store); the
// operator learns it from the Annuaire's change feed over HTTP (polling every second in the
// sandbox), ends the delegation (R-DEL-5) with its history entry, and her session gets `* BYE`
// (R-AUTH-4) and her SMTP session answers `421 4.7.0`. The time from the end of the situation to
// the BYE is measured and printed.
// `mss directory sync status` shows the cursor and the lag.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { AnnuaireRegistry } from '@mss/annuaire';
import { cibaToken } from '@mss/psc';
import { Store } from '@mss/store';
import { siblingStore } from '../src/sandbox/store-location.ts';
import { MSS_BIN, exitOf, firstLine, freePortBase, isolatedDatabaseEnv, spawnMss } from './run-mss.ts';

const PER = 'paul.martin@operateur-a.mssante.fr';
const JULIE = '810000001478';
const JULIE_SITUATION = 'sit-810000001478-1';

let child: ChildProcessWithoutNullStreams;
let endpoints: Record<string, string>;
let base: number;
let dataDir: string;
let env: NodeJS.ProcessEnv;

function run(file: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ status: err ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
    });
  });
}
const cli = (...args: string[]) => run(process.execPath, [MSS_BIN, ...args, '--port-base', String(base), '--data-dir', dataDir]);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-dirsync-'));
  base = await freePortBase();
  env = isolatedDatabaseEnv();
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '0'], env);
  ({ endpoints } = JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> });
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
});

const adminAuth = () =>
  `Basic ${Buffer.from(`admin:${fs.readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim()}`).toString('base64')}`;
async function syncStatus(): Promise<Record<string, any>> {
  const res = await fetch(`${endpoints.adminApi}/api/v1/operator/directory-sync`, { headers: { authorization: adminAuth() } });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, any>;
}
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An IMAP session on a raw socket: lines as they come, commands written as they are. */
class RawImap {
  private socket: net.Socket | tls.TLSSocket;
  private buf = '';
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  readonly lines: { at: number; line: string }[] = [];
  constructor(socket: net.Socket) {
    this.socket = socket;
    this.listen(socket);
  }
  private listen(s: net.Socket | tls.TLSSocket) {
    s.once('close', () => {
      for (const w of this.waiters.splice(0)) w.reject(new Error('the server closed the connection'));
    });
    s.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      let nl = this.buf.indexOf('\r\n');
      while (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 2);
        this.lines.push({ at: performance.now(), line });
        for (const w of [...this.waiters]) {
          if (w.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
        nl = this.buf.indexOf('\r\n');
      }
    });
  }
  wait(test: (line: string) => boolean, timeoutMs = 60_000, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => test(l.line));
    if (seen) return Promise.resolve(seen.line);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no such line within ${timeoutMs} ms; got: ${this.lines.map((l) => l.line).join(' | ')}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (l) => (clearTimeout(t), resolve(l)),
        reject: (e) => (clearTimeout(t), reject(e)),
      });
    });
  }
  write(line: string): void {
    this.socket.write(`${line}\r\n`);
  }
  async command(tag: string, text: string): Promise<string> {
    this.write(`${tag} ${text}`);
    return this.wait((l) => l.startsWith(`${tag} `));
  }
  /** Writes a line and waits for a new line that passes `test` (SMTP: replies have no tags). */
  async ask(line: string, test: (line: string) => boolean): Promise<string> {
    const from = this.lines.length;
    this.write(line);
    return this.wait(test, 60_000, from);
  }
  async startTls(): Promise<void> {
    const ok = await this.command('t1', 'STARTTLS');
    assert.match(ok, /^t1 OK/);
    await this.upgrade();
  }
  async upgrade(): Promise<void> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket as net.Socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.listen(secure);
  }
  close(): void {
    this.socket.destroy();
  }
}

async function openImap(user: string, token: string): Promise<RawImap> {
  const u = new URL(endpoints.imap!);
  const socket = net.connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const imap = new RawImap(socket);
  await imap.wait((l) => l.startsWith('* OK'));
  await imap.startTls();
  const sasl = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
  imap.write(`a1 AUTHENTICATE XOAUTH2 ${sasl}`);
  // A refusal comes as a challenge carrying the error (RFC 7628 §3.2.2), answered with an empty line.
  const reply = await imap.wait((l) => l.startsWith('a1 ') || l.startsWith('+'));
  if (reply.startsWith('+')) {
    imap.write('');
    const refused = await imap.wait((l) => l.startsWith('a1 '));
    imap.close();
    throw new Error(refused);
  }
  if (!reply.startsWith('a1 OK')) {
    imap.close();
    throw new Error(reply);
  }
  assert.match(await imap.command('a2', 'SELECT INBOX'), /^a2 OK/);
  return imap;
}

/** An SMTP submission session (STARTTLS, AUTH XOAUTH2) on a raw socket. */
async function openSmtp(user: string, token: string): Promise<RawImap> {
  const u = new URL(endpoints.smtpSubmission!);
  const socket = net.connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const smtp = new RawImap(socket);
  await smtp.wait((l) => l.startsWith('220 '));
  await smtp.ask('EHLO lps.test', (l) => l.startsWith('250 '));
  assert.match(await smtp.ask('STARTTLS', (l) => /^\d{3} /.test(l)), /^220 /);
  await smtp.upgrade();
  await smtp.ask('EHLO lps.test', (l) => l.startsWith('250 '));
  const sasl = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
  assert.match(await smtp.ask(`AUTH XOAUTH2 ${sasl}`, (l) => /^\d{3} /.test(l)), /^235 /);
  return smtp;
}

test('the operator follows the Annuaire from the sandbox’s start: caught up, with a cursor (mss directory sync status)', async () => {
  const t0 = performance.now();
  const status = await until('the first catch-up', async () => {
    const s = await syncStatus();
    return s.caughtUpAt ? s : undefined;
  });
  assert.equal(status.intervalMs, 1000, 'the sandbox polls every second');
  assert.equal(status.fullResyncs, 1, 'no cursor at first start: one full resynchronisation');
  assert.equal(status.lastFullResyncReason, 'no cursor yet');
  assert.equal(status.rowsChanged, 0, 'the operator’s seeded copy equals the Annuaire’s');
  console.log(`# first catch-up seen ${Math.round(performance.now() - t0)} ms after the sandbox was ready`);
  const r = await cli('directory', 'sync', 'status', '--admin');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Annuaire\s+http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(r.stdout, /^cursor\s+\S{10,}$/m);
  assert.match(r.stdout, /^lag\s+\d/m);
  assert.match(r.stdout, /^full resyncs\s+1, last at .*: no cursor yet$/m);
  // A person is refused (decided and audited).
  const gpToken = (await cibaToken({ pscUrl: endpoints.psc!, idnat: '810000001056' })).access_token;
  const denied = await fetch(`${endpoints.adminApi}/api/v1/operator/directory-sync`, { headers: { authorization: `Bearer ${gpToken}` } });
  assert.equal(denied.status, 403);
});

test('R-DEL-5 end to end: the situation ends in the Annuaire → the operator ends the delegation → IMAP * BYE, SMTP 421 4.7.0', async () => {
  const token = (await cibaToken({ pscUrl: endpoints.psc!, idnat: JULIE })).access_token;
  const imap = await openImap(PER, token);
  const smtp = await openSmtp(PER, token);
  const idle = imap.command('a3', 'IDLE').catch(() => '');
  await imap.wait((l) => l.startsWith('+'));

  // The RPPS+ portal ends the situation, on the Annuaire's store (as the portal does, in-process there).
  const location = siblingStore({ dataDir, databaseUrl: env.MSS_DATABASE_URL, pgPoolSize: 2, blobWorkers: 0 }, 'annuaire');
  const annuaireStore = await Store.open(location);
  const started = performance.now();
  try {
    // The UTC day before and after the call: its end date is one of them, even at midnight.
    const dayBefore = new Date().toISOString().slice(0, 10);
    const ended = await new AnnuaireRegistry(annuaireStore).endSituationNow(JULIE_SITUATION);
    assert.ok([dayBefore, new Date().toISOString().slice(0, 10)].includes(ended.end_date ?? ''), `ended on ${ended.end_date}`);
  } finally {
    await annuaireStore.close();
  }
  const bye = await imap.wait((l) => l.startsWith('* BYE'), 30_000);
  const byeAt = imap.lines.find((l) => l.line === bye)?.at ?? performance.now();
  const ms = Math.round(byeAt - started);
  console.log(`# situation ended in the Annuaire → * BYE on the delegate's IMAP session: ${ms} ms (sandbox polling interval 1 s)`);
  assert.match(bye, /^\* BYE/);
  imap.close();
  await idle;
  // Her SMTP session refuses further transactions (R-AUTH-4). The SMTP session learns of the
  // revocation on its own, beside the IMAP one: a transaction begun just before may still pass.
  let reply = '';
  for (const end = Date.now() + 15_000; Date.now() < end; ) {
    reply = await smtp.ask(`MAIL FROM:<${PER}>`, (l) => /^\d{3} /.test(l));
    if (!reply.startsWith('250')) break;
    await smtp.ask('RSET', (l) => /^\d{3} /.test(l));
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(reply, /^421 4\.7\.0 /);
  smtp.close();

  // The delegation is over, with its history entry; she can no longer open the mailbox.
  const gpToken = (await cibaToken({ pscUrl: endpoints.psc!, idnat: '810000001056' })).access_token;
  const history = await fetch(`${endpoints.adminApi}/api/v1/mailboxes/${encodeURIComponent(PER)}/history?limit=500`, {
    headers: { authorization: `Bearer ${gpToken}` },
  });
  assert.equal(history.status, 200);
  const { entries } = (await history.json()) as { entries: Record<string, unknown>[] };
  const revoked = entries.find((e) => e.event === 'delegation.revoked' && e.subjectIdnat === JULIE);
  assert.equal(revoked?.reason, 'situation ended in RPPS+', JSON.stringify(entries.slice(-3)));
  assert.equal(revoked?.actor, 'system');
  const again = await openImap(PER, token).then(
    () => 'opened',
    (e: Error) => e.message,
  );
  assert.match(again, /^a1 NO/);
  assert.equal((await syncStatus()).delegationsEnded, 1);
});
