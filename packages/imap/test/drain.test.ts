// The drain at stop (issue #17, SIGTERM): the listener stops accepting; a session between
// commands — IDLE included — gets `* BYE` at once (RFC 3501 §7.1.5); a session in the middle of a
// command gets the command's tagged answer first, then its BYE, so no transaction is cut; stop()
// resolves once every session has closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createTokenValidator, type TokenValidator } from '@mss/access';
import { command, openAuthenticated, openConversation } from './support/conversation.ts';
import { GP, PER, startImapWorld } from './support/imap-world.ts';

test('stop drains: IDLE and idle sessions get * BYE now, a command in progress answers first, then BYE', async () => {
  // A token check that waits for the test's signal: a command that is provably in progress.
  let real: TokenValidator | undefined;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  let entered: (() => void) | undefined;
  const inCheck = new Promise<void>((resolve) => (entered = resolve));
  const gated: TokenValidator = {
    async validate(token) {
      if (gate) {
        entered?.();
        await gate;
      }
      return real!.validate(token);
    },
    jwksStats: () => real!.jwksStats(),
  };
  const w = await startImapWorld({ server: { tokenValidator: gated } });
  real = createTokenValidator({ issuer: w.psc.issuer });
  let stopped = false;
  try {
    const token = await w.token(GP);
    const idling = await openAuthenticated(w.imap.port, PER, token);
    await command(idling, 'a1', 'SELECT INBOX');
    idling.send('a2 IDLE\r\n');
    await idling.until(/\+ idling\r\n/);
    const between = await openAuthenticated(w.imap.port, PER, token);
    await command(between, 'b1', 'NOOP');

    // This one's login is held inside the token check when the drain starts.
    gate = new Promise<void>((resolve) => (release = resolve));
    const busy = await openConversation(w.imap.port);
    await busy.starttls('c0');
    busy.send(`c1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${PER}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}\r\n`);
    await inCheck;

    const stopping = w.imap.stop().then(() => {
      stopped = true;
    });
    assert.match(await idling.until(/\* BYE [^\r]*\r\n/, 30_000), /\* BYE Server shutting down\r\n$/);
    assert.match(await between.until(/\* BYE [^\r]*\r\n/, 30_000), /\* BYE Server shutting down\r\n$/);
    // No longer accepting.
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const s = net.connect(w.imap.port, '127.0.0.1', () => {
          s.destroy();
          resolve();
        });
        s.once('error', reject);
      }),
      /ECONNREFUSED/,
    );
    assert.equal(busy.buffer.includes('BYE'), false, 'the session in a command was not cut');
    assert.equal(stopped, false, 'stop() waits for it');
    release!();
    const answered = await busy.until(/\* BYE [^\r]*\r\n/, 30_000);
    assert.match(answered, /c1 OK [^\r]*\r\n[\s\S]*\* BYE Server shutting down\r\n$/, 'the tagged answer, then BYE');
    await stopping;
  } finally {
    release?.();
    await w.close();
  }
});
