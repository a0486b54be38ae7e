// PostgreSQL restarted under SMTP load (issue #17, "Bad input and faults"): a `mss serve` node
// keeps running through the outage; submission answers 451 4.3.0 meanwhile (RFC 3463 X.3.0,
// "try again later": RFC 5321 §4.2.1, a transient failure); every message that got a 250 is in
// the mailbox afterwards, once; and the node serves again by itself when the server is back — its
// pool makes new connections, nobody restarts it. /readyz names the database while it is down.
// A second node's IMAP session, idling through the outage, hears of a message accepted by the
// first one afterwards: the event bus's LISTEN connection is made again by itself (RFC 2177).
//
// The cluster is this test's own (support/private-postgres.ts): the suite's is shared with the
// files running beside it, which a restart would break. Run on the PostgreSQL half of CI only
// (it needs PostgreSQL; the SQLite half has nothing to restart).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cibaToken, startPsc, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { demoPersonas, seedDemo } from '@mss/seed';
import { Store } from '@mss/store';
import { startTrust, type RunningTrust } from '@mss/trust';
import { ImapSession } from './support/imap-session.ts';
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.ts';
import { startServeNode, writeOperatorFiles, type ServeNode } from './support/serve-node.ts';

const DOMAIN = 'operateur-p.mssante.fr';
const LOAD = fileURLToPath(new URL('./support/smtp_load.py', import.meta.url));
const GP = demoPersonas(DOMAIN).personas.find((p) => p.key === 'gp')!;
const PER = GP.mailboxes[0]!;

const bin = postgresBinaries();
const skip = !process.env.MSS_DATABASE_URL?.startsWith('postgres')
  ? 'PostgreSQL fault: run on the PostgreSQL half (scripts/test-postgres.sh); it starts a cluster of its own'
  : bin === undefined
    ? 'PostgreSQL server binaries not found (apt-get install postgresql)'
    : false;

interface Attempt {
  n: number;
  stage: string;
  code: number;
  text: string;
}

/** One smtplib process sending PREFIX-1, PREFIX-2… until stopped (or `count` messages); its replies as they come. */
class Loader {
  readonly prefix: string;
  readonly attempts: Attempt[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(port: number, token: string, prefix: string, count = 0) {
    this.prefix = prefix;
    this.child = spawn('python3', [LOAD, String(port), PER, token, PER, prefix, String(count)]);
    let buf = '';
    let finished = () => {};
    this.done = new Promise((resolve) => {
      finished = resolve;
    });
    this.child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, nl)) as Attempt | { done: true };
        buf = buf.slice(nl + 1);
        if ('done' in line) finished();
        else this.attempts.push(line);
        for (const w of this.waiters.splice(0)) w();
      }
    });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  }

  /** Resolves once `predicate` holds for the attempts after index `from`. */
  async until(from: number, what: string, predicate: (attempts: Attempt[]) => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.attempts.slice(from))) {
      if (Date.now() > deadline)
        throw new Error(`${this.prefix}: no ${what} within ${timeoutMs} ms: ${JSON.stringify(this.attempts.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.done;
  }
}

const accepted = (a: Attempt[]) => a.filter((x) => x.stage === 'data' && x.code === 250);

describe('PostgreSQL restarted under SMTP load', { skip }, () => {
  let dir: string;
  let pg: PrivatePostgres;
  let pscStore: Store;
  let psc: RunningPsc;
  let trust: RunningTrust;
  let node: ServeNode;
  let node2: ServeNode;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-pg-restart-'));
    pg = await startPrivatePostgres(bin!);
    const seeded = await Store.open({ databaseUrl: pg.url, dataDir: path.join(dir, 'seed') });
    await seedDemo(seeded, DOMAIN);
    await seeded.close();
    // The PSC stand-in knows the same persons from a SQLite store of its own: the national
    // service does not go down with the operator's database.
    pscStore = await Store.open({ dataDir: path.join(dir, 'psc') });
    await seedDemo(pscStore, DOMAIN);
    const logger = silentLogger();
    psc = await startPsc({ store: pscStore, logger, host: '127.0.0.1', port: 0, dataDir: path.join(dir, 'psc') });
    trust = await startTrust({
      host: '127.0.0.1',
      port: 0,
      dataDir: path.join(dir, 'ans'),
      logger,
      operators: [{ name: 'Opérateur P', domains: [DOMAIN], mx: null }],
    });
    await writeOperatorFiles(dir, trust, DOMAIN);
    const config = { domain: DOMAIN, databaseUrl: pg.url, trustUrl: trust.url, pscIssuer: psc.issuer };
    [node, node2] = await Promise.all([startServeNode({ name: 'node', dir, config }), startServeNode({ name: 'node2', dir, config })]);
  });
  after(async () => {
    const [code, code2] = await Promise.all([node?.stop(), node2?.stop()]);
    await psc?.stop();
    await trust?.stop();
    await pscStore?.close();
    pg?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, `the node drained and exited 0 after the outage; its log ends: ${node?.log().slice(-3000)}`);
    assert.equal(code2, 0, `node 2 drained and exited 0 after the outage; its log ends: ${node2?.log().slice(-3000)}`);
  });

  test('451 4.3.0 during the outage, every 250 kept, service back without a restart, node 2 hears of node 1 again', async () => {
    const token = (await cibaToken({ pscUrl: psc.url, idnat: GP.idnat })).access_token;
    // On node 2, a session idles through the whole outage.
    const idler = await ImapSession.open(node2.imap, PER, token);
    await idler.command('s0', 'SELECT INBOX');
    idler.send('i0 IDLE\r\n');
    await idler.until(/\+ [^\r]*\r\n/);
    const loaders = [new Loader(node.smtpSubmission, token, 'a'), new Loader(node.smtpSubmission, token, 'b')];
    try {
      await Promise.all(loaders.map((l) => l.until(0, 'three 250s', (a) => accepted(a).length >= 3)));

      const atStop = loaders.map((l) => l.attempts.length);
      await pg.stop();
      const ready = await fetch(`${node.operations}/readyz`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { failing: string[]; checks: { database: { error?: string } } };
      assert.deepEqual(body.failing, ['database']);
      assert.equal((await fetch(`${node.operations}/healthz`)).status, 200, 'alive: no reason to restart it');
      // Each loader meets the outage: a refusal, not a 250 and not a broken connection.
      await Promise.all(loaders.map((l, i) => l.until(atStop[i]!, 'refusal', (a) => a.some((x) => x.code !== 250))));

      const atStart = loaders.map((l) => l.attempts.length);
      await pg.start();
      await Promise.all(loaders.map((l, i) => l.until(atStart[i]!, 'three 250s after the restart', (a) => accepted(a).length >= 3)));
      assert.equal((await fetch(`${node.operations}/readyz`)).status, 200);
    } finally {
      await Promise.all(loaders.map((l) => l.stop()));
    }

    const all = loaders.flatMap((l) => l.attempts.map((a) => ({ ...a, prefix: l.prefix })));
    const refusals = all.filter((a) => a.code !== 250);
    console.log(
      `# ${all.length} attempts, ${all.length - refusals.length} accepted, refusals: ${JSON.stringify(
        Object.entries(Object.groupBy(refusals, (a) => `${a.stage} ${a.code} ${a.text.slice(0, 40)}`)).map(([k, v]) => [k, v?.length]),
      )}`,
    );
    // A transaction refused is 451 4.3.0 at MAIL, RCPT or DATA; a new session's AUTH cannot look the
    // person up and is 454 4.7.0 (RFC 4954 §6, "temporary authentication failure"). Nothing else:
    // no 5xx (the client would give the message up) and no connection dropped.
    for (const r of refusals) {
      const expected = r.stage === 'session' ? [454, '4.7.0 '] : [451, '4.3.0 '];
      assert.deepEqual([r.code, r.text.slice(0, 6)], expected, JSON.stringify(r));
    }
    for (const l of loaders)
      assert.ok(
        l.attempts.some((a) => a.code === 451),
        `${l.prefix}: its session met 451 4.3.0 and went on`,
      );

    // Every acknowledged message is in the mailbox, once (read over IMAP, as its holder would).
    const reader = await ImapSession.open(node.imap, PER, token);
    try {
      await reader.command('s1', 'SELECT INBOX');
      const fetched = await reader.command('f1', 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])', 60_000);
      const subjects = [...fetched.matchAll(/Subject: ([ab]-\d+)\r\n/g)].map((m) => m[1]!);
      const acknowledged = all.filter((a) => a.code === 250).map((a) => `${a.prefix}-${a.n}`);
      for (const s of acknowledged) assert.equal(subjects.filter((x) => x === s).length, 1, `${s} (acknowledged) is in the mailbox once`);
      const unacknowledged = subjects.filter((s) => !acknowledged.includes(s));
      assert.deepEqual(unacknowledged, [], 'nothing refused was delivered either');

      // Node 2's LISTEN connection was lost with the server and is made again every 0.5 s until it
      // is back: a message accepted by node 1 from then on reaches the session idling on node 2.
      // Notices published before it listens again are lost (as documented), hence one probe
      // message after another until one is heard.
      let heard = 0;
      for (let k = 1; k <= 10 && heard === 0; k++) {
        const probe = new Loader(node.smtpSubmission, token, `probe${k}`, 1);
        await probe.until(0, 'a 250', (a) => accepted(a).length === 1);
        const total = Number(/MESSAGES (\d+)/.exec(await reader.command(`st${k}`, 'STATUS INBOX (MESSAGES)'))![1]);
        try {
          await idler.until(new RegExp(`\\* ${total} EXISTS\\r\\n`), 3000);
          heard = k;
        } catch (err) {
          if (/connection closed/.test(String(err))) throw err;
        }
      }
      assert.ok(heard > 0, 'the idling session on node 2 heard of a message accepted by node 1 after the restart');
      console.log(`# node 2 heard of node 1's delivery at probe ${heard}`);
      idler.send('DONE\r\n');
      await idler.until(/i0 OK [^\r]*\r\n/);
    } finally {
      reader.close();
      idler.close();
    }
  });
});
