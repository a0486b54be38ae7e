// The crash test of issue 5: under load, operator A is killed with SIGKILL, then started again on
// the same data. Every message that got a 250 must be delivered exactly once (to a local INBOX, or
// through the queue to operator B); a message cut off before A committed it must never appear,
// not even in part; a message whose 250 was lost in the kill may appear at most once, whole.
// The Ségur indicators (R-IND-1) are written in the same transactions: every message counted
// exactly as often as it is stored — sent once, received once per copy, at A and at B.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { indicatorPeriod } from '@mss/domain';
import { startPsc, cibaToken, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo, seedSecondOperator } from '@mss/seed';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { loadOrCreatePki } from '@mss/trust';
import { startRelayServer, type RunningSmtpListener } from '../src/index.ts';
import { A, ANNE, B, FixedTrustSpace, GP, PER } from './support/two-operators.ts';
import { Conversation } from './support/conversation.ts';
import { eventually } from './support/smtp-world.ts';

const ORG = `cardiologie.ch-lilas@${A}`;
const HERE = path.dirname(fileURLToPath(import.meta.url));

type Store2 = { store: Store; dataDir: string; databaseUrl: string | undefined; cleanup: () => Promise<void> };
let sa: Store2;
let sb: Store2;
let psc: RunningPsc;
let relayB: RunningSmtpListener;
let pkiDir: string;
let env: NodeJS.ProcessEnv;
let child: ChildProcess | undefined;

before(async () => {
  sa = await openTestStore();
  sb = await openTestStore();
  await seedDemo(sa.store, A);
  await seedSecondOperator(sb.store, B);
  const logger = silentLogger();
  psc = await startPsc({ store: sa.store, logger, host: '127.0.0.1', port: 0, dataDir: sa.dataDir });
  pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-crash-pki-'));
  const pki = await loadOrCreatePki(pkiDir);
  const certA = await pki.issueServerCertificate({ commonName: A, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const certB = await pki.issueServerCertificate({ commonName: B, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const certFile = path.join(pkiDir, 'a.json');
  fs.writeFileSync(certFile, JSON.stringify(certA), { mode: 0o600 });
  relayB = await startRelayServer({
    store: sb.store,
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: certB.certPem, key: certB.keyPem, ca: pki.caCertPem },
    operatorDomains: [B],
    trustSpace: new FixedTrustSpace(),
  });
  env = {
    ...process.env,
    MSS_CRASH_DATA_DIR: sa.dataDir,
    MSS_CRASH_DATABASE_URL: sa.databaseUrl ?? '',
    MSS_CRASH_PKI_DIR: pkiDir,
    MSS_CRASH_CERT_FILE: certFile,
    MSS_CRASH_B_PORT: String(relayB.port),
    MSS_CRASH_PSC_ISSUER: psc.issuer,
  };
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await relayB.stop();
  await psc.stop();
  await sa.cleanup();
  await sb.cleanup();
  fs.rmSync(pkiDir, { recursive: true, force: true });
});

async function startA(): Promise<number> {
  child = spawn(process.execPath, [path.join(HERE, 'support', 'crash-operator.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child!.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child!.once('exit', (code) => reject(new Error(`operator A exited (${code}) before it was ready`)));
  });
  return (JSON.parse(line) as { port: number }).port;
}

/** A body big enough that DATA takes several writes, ending with a line that proves it is whole. */
function messageFor(tag: string, to: string): string {
  const lines = Array.from({ length: 120 }, (_, i) => `${tag} ligne ${i} ${'x'.repeat(60)}`);
  return `From: <${PER}>\r\nTo: <${to}>\r\nSubject: ${tag}\r\nMessage-ID: <${tag}@crash.test>\r\n\r\n${lines.join('\r\n')}\r\nEND-${tag}\r\n`;
}

const sum = (groups: readonly { events: number }[]): number => groups.reduce((n, g) => n + g.events, 0);

async function subjects(store: Store, address: string): Promise<Map<string, string[]>> {
  const box = await store.mailboxes.byAddress(address);
  const folder = box ? await store.mail.folder(box.id, 'INBOX') : undefined;
  const out = new Map<string, string[]>();
  for (const m of folder ? await store.mail.messages(folder.id) : []) {
    const s = m.subject ?? '';
    out.set(s, [...(out.get(s) ?? []), (await store.blobs.get(m.blob_hash)).toString('utf8')]);
  }
  return out;
}

test('kill -9 under load: every 250 delivered exactly once, locally and at the other operator; nothing cut off ever appears', {
  timeout: 120_000,
}, async (t) => {
  let port = await startA();
  const token = (await cibaToken({ pscUrl: psc.url, idnat: GP })).access_token;
  const acked: { tag: string; to: string; ref: string }[] = [];
  const unanswered: { tag: string; to: string }[] = [];
  const cut: string[] = [];
  let n = 0;
  let stopping = false;

  const worker = async (w: number): Promise<void> => {
    const c = await Conversation.authenticated(port, PER, token);
    try {
      while (!c.closed) {
        const to = n % 2 === 0 ? ORG : ANNE;
        const tag = `crash-${w}-${n++}`;
        if (
          (await c.command(`MAIL FROM:<${PER}>`)) === '' ||
          (await c.command(`RCPT TO:<${to}>`)) === '' ||
          (await c.command('DATA')) === ''
        )
          break;
        c.send(`${messageFor(tag, to)}.\r\n`);
        const r = await c.reply(10_000).catch(() => '');
        if (r.startsWith('250 ')) acked.push({ tag, to, ref: /accepted as ([0-9a-f]+)/.exec(r)?.[1] ?? '' });
        else {
          unanswered.push({ tag, to });
          break;
        }
        if (stopping) break;
      }
    } finally {
      await c.close();
    }
  };
  // Clients that stop in the middle of DATA: what they sent must never be delivered.
  const cutter = async (k: number): Promise<void> => {
    const c = await Conversation.authenticated(port, PER, token);
    const tag = `cut-${k}`;
    await c.command(`MAIL FROM:<${PER}>`);
    await c.command(`RCPT TO:<${k % 2 ? ANNE : ORG}>`);
    await c.command('DATA');
    const whole = messageFor(tag, ORG);
    c.send(whole.slice(0, Math.floor(whole.length / 2)));
    cut.push(tag);
    await c.ended;
  };

  const load = [...Array.from({ length: 6 }, (_, i) => worker(i)), ...Array.from({ length: 2 }, (_, k) => cutter(k))];
  await eventually(() => acked.length >= 40 && cut.length === 2, 30_000);
  child!.kill('SIGKILL');
  stopping = true;
  await Promise.allSettled(load);
  assert.ok(acked.length >= 40, `load before the kill: ${acked.length} acknowledged`);

  port = await startA();
  // The queue drains to B after the restart (rows claimed before the kill wait out their lease only if claimed; ours are retried at once).
  await eventually(async () => (await sa.store.queue.counts()).queued === 0, 60_000);
  const counts = await sa.store.queue.counts();
  assert.equal(counts.failed, 0, 'nothing bounced');

  const local = await subjects(sa.store, ORG);
  const remote = await subjects(sb.store, ANNE);
  for (const { tag, to } of acked) {
    const copies = (to === ORG ? local : remote).get(tag) ?? [];
    assert.equal(copies.length, 1, `${tag} (250) to ${to}: ${copies.length} copies`);
    assert.ok(copies[0]!.endsWith(`END-${tag}\r\n`), `${tag} is whole`);
  }
  for (const tag of cut) assert.ok(!local.has(tag) && !remote.has(tag), `${tag} was cut off and must not be delivered`);
  for (const { tag, to } of unanswered) {
    const copies = (to === ORG ? local : remote).get(tag) ?? [];
    assert.ok(copies.length <= 1, `${tag} (no reply) delivered at most once`);
    if (copies.length) assert.ok(copies[0]!.endsWith(`END-${tag}\r\n`), `${tag} is whole`);
  }
  const delivered = [...local.keys(), ...remote.keys()].filter((s) => s.startsWith('crash-'));
  assert.equal(new Set(delivered).size, delivered.length, 'no subject twice');

  // R-IND-1: the ledger counts what is stored, exactly: every 250 once, a lost reply at most once.
  const sentRefs = await sa.store.indicators.messageRefs('sent');
  assert.equal(new Set(sentRefs).size, sentRefs.length, 'no message counted twice as sent');
  for (const { tag, ref } of acked) assert.ok(sentRefs.includes(ref), `${tag} (250, ${ref}) is counted as sent`);
  assert.equal(sentRefs.length, delivered.length, 'as many messages counted as sent as were delivered');
  const period = indicatorPeriod(new Date());
  const receivedAtA = (await sa.store.indicators.groups(period)).filter((g) => g.direction === 'received');
  const localCrash = [...local.keys()].filter((s) => s.startsWith('crash-')).length;
  assert.equal(sum(receivedAtA.filter((g) => g.mailbox === ORG)), localCrash, 'A counts each local copy once');
  const receivedAtB = (await sb.store.indicators.groups(period)).filter((g) => g.direction === 'received' && g.mailbox === ANNE);
  assert.equal(sum(receivedAtB), [...remote.keys()].filter((s) => s.startsWith('crash-')).length, 'B counts each copy once');

  const ackedRemote = acked.filter((a) => a.to === ANNE).length;
  t.diagnostic(`acknowledged ${acked.length} (${ackedRemote} remote), unanswered ${unanswered.length}, cut ${cut.length}`);
  child!.kill('SIGTERM');
});
