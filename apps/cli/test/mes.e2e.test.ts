// Story 3 of the domain reference (§12), SMTP side, as the README's "Try it" plays it against `mss
// sandbox`: Mon Espace Santé is a member of the trust space (endpoints `mes`, `mesRelay` at their
// documented place in --port-base), Dr Martin's LPS is Python's smtplib/imaplib, the patient is
// `mss mes`. Rules: R-MES-1…4, R-DOC-3 at the operator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeIns } from '@mss/domain';
import { PORT_BASE_ORDER } from '@mss/runtime';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, mss, spawnMss } from './run-mss.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const P = '279035121518989';
const PATIENT = `${P}@patient.mssante.fr`;
const GP = 'paul.martin@operateur-a.mssante.fr';

let child: ChildProcessWithoutNullStreams;
let base: number;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let endpoints: Record<string, string>;
const port = (key: (typeof PORT_BASE_ORDER)[number]) => base + PORT_BASE_ORDER.indexOf(key);
const cliData = (...args: string[]) => mss([...args, '--data-dir', dataDir], env);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-mes-e2e-'));
  base = await freePortBase();
  env = isolatedDatabaseEnv();
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '200'], env);
  endpoints = (JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> }).endpoints;
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
});

let gpToken: string | undefined;
/** Dr Martin's PSC token (CIBA through the CLI), once: it lives longer than this file's tests. */
function token(): string {
  if (gpToken) return gpToken;
  const t = mss(['psc', 'token', '--idnat', '810000001056', '--port-base', String(base)], env);
  assert.equal(t.status, 0, t.stderr);
  gpToken = t.stdout.trim();
  return gpToken;
}

function python(script: 'send' | 'read', args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('python3', [path.join(REPO, 'scripts/demo', `${script}.py`), '--ca', path.join(dataDir, 'ca.pem'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const send = (args: string[]) =>
  python('send', ['--smtp', `127.0.0.1:${port('smtpSubmission')}`, '--token', token(), '--user', GP, ...args]);
const read = (subject: string) =>
  python('read', ['--imap', `127.0.0.1:${port('imap')}`, '--token', token(), '--user', GP, '--subject', subject, '--wait', '30']);

/** Polls a CLI command until its output matches (the sandbox's queues work in the background). */
async function until(args: string[], re: RegExp): Promise<string> {
  const end = Date.now() + 30_000;
  for (;;) {
    const r = cliData(...args);
    if (re.test(r.stdout)) return r.stdout;
    if (Date.now() > end) assert.fail(`mss ${args.join(' ')} never matched ${re}:\n${r.stdout}${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('the sandbox runs Mon Espace Santé: endpoints mes and mesRelay at their --port-base places, on the whitelist with its route', async () => {
  assert.equal(endpoints.mes, `http://127.0.0.1:${port('mes')}`);
  assert.equal(endpoints.mesRelay, `smtp://127.0.0.1:${port('mesRelay')}`);
  const index = (await (await fetch(`${endpoints.mes}/status`)).json()) as { domain: string; patients: number };
  assert.equal(index.domain, 'patient.mssante.fr');
  assert.equal(index.patients, 3002);
  const routes = (await (await fetch(`${endpoints.trust}/routes.json`)).json()) as { routes: Record<string, unknown> };
  assert.deepEqual(routes.routes['patient.mssante.fr'], {
    operator: 'Mon Espace Santé',
    mx: { host: '127.0.0.1', port: port('mesRelay') },
  });
});

test('story 3 as the README plays it: R-MES-1, R-DOC-3, delivery and the relayed report, read receipt, reply, [FIN]', async () => {
  const first = cliData('mes', 'send', P, '--to', GP, '--subject', 'Question', '--body', 'Bonjour');
  assert.equal(first.status, 1);
  assert.match(first.stderr, /^mss: R-MES-1: Vous pourrez écrire à ce professionnel quand il vous aura écrit/);

  const sent = send([
    '--to',
    PATIENT,
    '--subject',
    'Vos résultats',
    '--header',
    `Disposition-Notification-To: <${GP}>`,
    '--notify',
    'SUCCESS,FAILURE',
  ]);
  assert.equal(sent.status, 0, sent.stderr);
  const bad = send(['--to', '279035121518988@patient.mssante.fr', '--subject', 'x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /refused 279035121518988@patient\.mssante\.fr: 553 5\.1\.3 .*valid INS \(R-DOC-3\): key should be 89/);

  await until(['queue', 'list', '--all'], new RegExp(`delivered  attempts=1  ${GP} -> ${PATIENT} .*\\(250 2\\.0\\.0 Ok: queued as`));
  const relayed = read('Relayed Mail Report');
  assert.equal(relayed.status, 0, relayed.stderr);
  assert.match(relayed.stdout, /From: Mail Delivery System <MAILER-DAEMON@patient\.mssante\.fr>/);

  const conversations = cliData('mes', 'conversations', P);
  assert.equal(conversations.status, 0, conversations.stderr);
  assert.match(conversations.stdout, /^Dominique Pat-Trois <279035121518989@patient\.mssante\.fr> — Mon Espace Santé active\n/);
  assert.match(conversations.stdout, /\npaul\.martin@operateur-a\.mssante\.fr {2}open {3}may write {2}1 message \(1 unread\)/);

  const list = cliData('mes', 'messages', P, GP);
  const id = /^\s*(\d+) {2}<- .*Vos résultats {2}\[read receipt asked\]$/m.exec(list.stdout)?.[1];
  assert.ok(id, list.stdout);
  const opened = cliData('mes', 'read', P, id, '--mdn');
  assert.equal(opened.status, 0, opened.stderr);
  assert.match(opened.stdout, /^From: <paul\.martin@operateur-a\.mssante\.fr>\nSubject: Vos résultats\n/);
  assert.match(opened.stderr, /read receipt queued for paul\.martin@operateur-a\.mssante\.fr/);

  const reply = cliData('mes', 'send', P, '--to', GP, '--subject', 'Re: Vos résultats', '--body', 'Merci docteur', '--in-reply-to', id);
  assert.equal(reply.status, 0, reply.stderr);
  const got = read('Re: Vos résultats');
  assert.equal(got.status, 0, got.stderr);
  assert.match(got.stdout, /From: Dominique Pat-Trois <279035121518989@patient\.mssante\.fr>/);
  assert.match(got.stdout, /X-MSS-Usager: O/);
  // MES's own queue: the reply, then the read receipt from the null sender, both delivered to A.
  await until(['queue', 'list', '--all', '--operator', 'mes'], new RegExp(`delivered  attempts=1  ${PATIENT} -> ${GP} `));
  const receipt = read('Accusé de lecture');
  assert.equal(receipt.status, 0, receipt.stderr);
  assert.match(receipt.stdout, /Content-Type: multipart\/report; report-type=disposition-notification;/);

  const fin = send(['--to', PATIENT, '--subject', 'Fin du suivi', '--header', 'X-MSS-MES: FIN']);
  assert.equal(fin.status, 0, fin.stderr);
  const history = await until(['mes', 'conversations', P, '--history'], /ended {2}X-MSS-MES: FIN/);
  assert.match(history, /paul\.martin@operateur-a\.mssante\.fr {2}ended {2}may not write \(R-MES-2: ended\)/);
  assert.match(history, /professional-wrote {2}open {3}first message\n.*mdn-sent .*\n.*patient-wrote .*\n.*ended +ended {2}X-MSS-MES: FIN/);
  const after = cliData('mes', 'send', P, '--to', GP, '--subject', 'Encore', '--body', '?');
  assert.equal(after.status, 1);
  assert.match(after.stderr, /^mss: R-MES-2: Le professionnel a mis fin à l'échange/);
});

test('mss mes refuses a malformed INS (R-DOC-3) and an unknown patient, in one line', () => {
  const bad = cliData('mes', 'conversations', '279035121518988');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^mss: INS 279035121518988: key should be 89/);
  const unknown = cliData('mes', 'conversations', makeIns('2850675123456'));
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^mss: no patient with INS 2850675123456\d\d in Mon Espace Santé\n$/);
});
