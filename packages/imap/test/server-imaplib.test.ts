// A second, unrelated client: Python's imaplib (STARTTLS, AUTHENTICATE XOAUTH2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GP, PER, CAB, startImapWorld, type ImapWorld } from './support/imap-world.ts';

const SCRIPT = fileURLToPath(new URL('./support/imaplib_client.py', import.meta.url));
let w: ImapWorld;
before(async () => {
  w = await startImapWorld();
});
after(async () => w.close());

// Asynchronous on purpose: the server under test runs in this very process.
async function run(user: string, token: string, scenario: string): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, String(w.imap.port), user, token, scenario], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Record<string, any>;
}

test('imaplib: no AUTH before TLS; XOAUTH2 after; APPEND, UID SEARCH/FETCH/STORE, EXPUNGE, STATUS; BAD without dropping the session', async () => {
  const out = await run(PER, await w.token(GP), 'mail');
  assert.ok(out.capabilities_before_tls.includes('STARTTLS'));
  assert.ok(out.capabilities_before_tls.includes('LOGINDISABLED'));
  assert.ok(!out.capabilities_before_tls.some((c: string) => c.startsWith('AUTH=')));
  assert.ok(out.capabilities_after_tls.includes('AUTH=XOAUTH2'));
  assert.ok(out.capabilities_after_tls.includes('AUTH=OAUTHBEARER'));
  assert.ok(!out.capabilities_after_tls.includes('STARTTLS'));
  assert.equal(out.auth, 'OK');
  assert.match(out.append[1], /^\[APPENDUID \d+ \d+\] APPEND completed$/);
  assert.equal(out.select[0], 'OK');
  assert.equal(out.body_text, 'Ligne 1\r\nLigne 2\r\n');
  assert.match(out.flags_after_body, /\\Seen/, 'BODY[TEXT] without PEEK sets \\Seen');
  assert.match(out.subject_header, /^Subject: imaplib test été\r\n\r\n$/);
  assert.equal(out.store, 'OK');
  assert.equal(out.expunge[0], 'OK');
  assert.match(out.status, /MESSAGES 0 UIDNEXT \d+/);
  assert.match(out.bad, /BAD/);
  assert.equal(out.noop_after_bad, 'OK');
});

test("imaplib: SORT and THREAD (RFC 5256), SENTON in the Date field's zone (RFC 3501 §6.4.4)", async () => {
  const out = await run(PER, await w.token(GP), 'sort');
  for (const cap of ['SORT', 'THREAD=REFERENCES', 'THREAD=ORDEREDSUBJECT', 'ESEARCH', 'WITHIN'])
    assert.ok(out.capabilities.includes(cap), cap);
  // Sent: 1 = 25 Mar 21:00 UTC, 2 = 25 Mar 08:00, 3 = 27 Mar.
  assert.deepEqual(out.sort_date, ['OK', ['3 1 2']]);
  // Base subjects: Bilan, Bilan, Autre; FROM breaks the tie (a before b).
  assert.deepEqual(out.sort_subject, ['OK', ['3 2 1']]);
  assert.deepEqual(out.uid_sort, ['OK', ['2 1']]);
  assert.deepEqual(out.thread_references, ['OK', ['(2 1)(3)']]);
  assert.deepEqual(out.thread_orderedsubject, ['OK', ['(2 1)(3)']]);
  assert.deepEqual(out.senton, ['OK', ['1']]);
});

test('imaplib: a refused token fails AUTHENTICATE cleanly', async () => {
  const out = await run(CAB, await w.token(GP), 'none');
  assert.equal(out.auth, 'NO');
  assert.match(out.auth_error, /AUTHORIZATIONFAILED/);
});
