// Connections per client address (issue #12, "Idle connections"): on the submission and relay
// listeners one client address holds at most `maxConnectionsPerAddress` connections; the next
// one is greeted with 421 (RFC 5321 §3.8, §4.2.5: the server may refuse a connection with 421
// in place of 220) while another address still gets in, and a slot comes back when its
// connection ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@mss/runtime';
import { openTestStore } from '@mss/store/testing';
import { loadOrCreatePki } from '@mss/trust';
import { startRelayServer, type RunningSmtpListener } from '../src/index.ts';
import { Conversation } from './support/conversation.ts';
import { D, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';

let w: SmtpWorld;
let relay: RunningSmtpListener;
let relayCleanup: () => Promise<void>;
let pkiDir: string;

before(async () => {
  w = await startSmtpWorld({ maxConnectionsPerAddress: 2 });
  const opened = await openTestStore();
  pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-smtp-limits-pki-'));
  const pki = await loadOrCreatePki(pkiDir);
  const cert = await pki.issueServerCertificate({ commonName: D, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  relay = await startRelayServer({
    store: opened.store,
    logger: silentLogger(),
    host: '127.0.0.1',
    port: 0,
    tls: { cert: cert.certPem, key: cert.keyPem, ca: pki.caCertPem },
    operatorDomains: [D],
    trustSpace: { isWhitelisted: () => false, operatorFor: () => undefined },
    maxConnectionsPerAddress: 2,
    closeTimeoutMs: 500,
  });
  relayCleanup = opened.cleanup;
});

after(async () => {
  await relay?.stop();
  await relayCleanup?.();
  await w?.close();
  if (pkiDir) fs.rmSync(pkiDir, { recursive: true, force: true });
});

for (const [name, port] of [
  ['submission', () => w.smtp.port],
  ['relay', () => relay.port],
] as const) {
  test(`${name}: the third connection from one address gets 421 4.7.0 and is closed; 127.0.0.2 still gets 220`, async () => {
    const held: Conversation[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const c = await Conversation.open(port());
        held.push(c);
        assert.match(await c.command('EHLO client.test'), /^250[ -]/m);
      }
      const refused = await Conversation.open(port());
      assert.match(refused.greeting, /^421 4\.7\.0 Too many connections from your address \(limit 2\), try again later$/);
      await refused.ended;
      assert.ok(refused.closed, 'the server closed the connection');

      const other = await Conversation.open(port(), '127.0.0.2');
      held.push(other);
      assert.match(other.greeting, /^220 /);
      assert.match(await other.command('EHLO other.test'), /^250[ -]/m, 'another address is served');

      // A slot comes back when its connection ends.
      await held.shift()!.close();
      let again: Conversation | undefined;
      for (let attempt = 0; attempt < 50 && !again; attempt++) {
        const c = await Conversation.open(port());
        if (c.greeting.startsWith('220 ')) again = c;
        else await c.ended;
      }
      assert.ok(again, 'the address connects again once one of its connections has ended');
      held.push(again);
    } finally {
      for (const c of held) await c.close().catch(() => undefined);
    }
  });
}
