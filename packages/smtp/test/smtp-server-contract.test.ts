// Contract with smtp-server. Our connection class (src/connection.ts) and server (src/listen.ts)
// go below the library's hooks: they override some of its methods, copy the body of three, and
// read underscore members the library does not document. The library is pinned exactly; this
// test names everything we rely on, so that an upgrade that renames, removes or rewrites any of
// it fails here, not in production (guide: "the library pinned exactly, and a contract test").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { once } from 'node:events';
import { silentLogger } from '@mss/runtime';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { OurSmtpServer, commonSmtpOptions, listenSmtp } from '../src/listen.ts';
import { SubmissionConnection } from '../src/connection.ts';
import { NewlineGuardStream } from '../src/bare-newline.ts';

const PINNED = '3.21.6';

test('smtp-server is pinned exactly, and the installed copy is that version', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.equal(manifest.dependencies['smtp-server'], PINNED, 'an exact version: no ^ or ~ (upgrade by hand, with this test)');
  const require = createRequire(import.meta.url);
  const installed = JSON.parse(readFileSync(require.resolve('smtp-server/package.json'), 'utf8')) as { version: string };
  assert.equal(installed.version, PINNED);
});

// Methods whose body we copy (with a change) in an override: when the library changes one of
// them, our copy must be read again against the new one, then the hash updated here.
const COPIED = [
  ['SMTPServer.connect', SMTPServer.prototype.connect, 'listen.ts OurSmtpServer.connect (our connection class)'],
  ['SMTPConnection.init', SMTPConnection.prototype.init, 'connection.ts init (no 100 ms early-talker wait)'],
  ['SMTPConnection._createParser', SMTPConnection.prototype._createParser, 'connection.ts _createParser (bare-newline guard)'],
] as const;
const COPIED_HASHES: Record<string, string> = {
  'SMTPServer.connect': '9818ea13a1c36459',
  'SMTPConnection.init': '1265a7d7ca8f5510',
  'SMTPConnection._createParser': '15ca8c360137e06a',
};

test('the library methods we copy in overrides are the ones we copied', () => {
  for (const [name, fn, ours] of COPIED) {
    const hash = createHash('sha256').update(fn.toString()).digest('hex').slice(0, 16);
    assert.equal(hash, COPIED_HASHES[name], `smtp-server's ${name} changed: review ${ours} against it, then update the hash`);
  }
});

test('every method we override or call exists where we expect it', () => {
  const connection = SMTPConnection.prototype as unknown as Record<string, unknown>;
  for (const m of [
    'init',
    'send',
    'close',
    'connectionReady',
    '_createParser',
    '_onCommand',
    '_onClose',
    '_setListeners',
    '_whenWritable',
    '_transmissionType',
    'handler_EHLO',
    'handler_AUTH',
  ]) {
    assert.equal(typeof connection[m], 'function', `SMTPConnection.prototype.${m}`);
  }
  const server = SMTPServer.prototype as unknown as Record<string, unknown>;
  for (const m of ['connect', 'close', '_onError', '_onClientConnect'])
    assert.equal(typeof server[m], 'function', `SMTPServer.prototype.${m}`);
  const stream = SMTPStream.prototype as unknown as Record<string, unknown>;
  for (const m of ['write', '_write']) assert.equal(typeof stream[m], 'function', `SMTPStream.prototype.${m}`);
});

/** Reads replies until one whose last line (`NNN ` form) matches. */
function replyReader(socket: net.Socket): (until: RegExp) => Promise<string> {
  let buf = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (buf += d));
  return async (until) => {
    for (;;) {
      const lines = buf.split('\r\n');
      const i = lines.findIndex((l) => until.test(l));
      if (i >= 0) {
        const out = lines.slice(0, i + 1).join('\r\n');
        buf = lines.slice(i + 1).join('\r\n');
        return out;
      }
      await Promise.race([
        once(socket, 'data'),
        once(socket, 'close').then(() => assert.fail(`closed before ${until}; got ${JSON.stringify(buf)}`)),
      ]);
    }
  };
}

test('on a live connection: our class and parser are used, and the members we read have the shapes we read', async () => {
  const smtp = new OurSmtpServer(commonSmtpOptions({ name: 'contract.test', maxMessageSize: 10_000 }), {
    logger: silentLogger(),
    limits: { maxCommands: 100, hardErrorLimit: 10 },
  });
  const listener = await listenSmtp(smtp, 'contract', '127.0.0.1', 0);
  const socket = net.connect(listener.port, '127.0.0.1');
  try {
    const read = replyReader(socket);
    assert.match(await read(/^220 /), /^220 contract\.test /, 'init → _setListeners → connectionReady greets');
    assert.equal(smtp.connections.size, 1, 'SMTPServer.connections holds the connection');
    const c = [...smtp.connections][0] as unknown as SubmissionConnection & Record<string, unknown>;
    assert.ok(c instanceof SubmissionConnection, 'SMTPServer.connect was ours');
    assert.ok(c._parser instanceof NewlineGuardStream, 'the library builds its parser through _createParser');
    assert.equal(c._server, smtp);
    assert.ok(c._socket instanceof net.Socket);
    assert.equal(c._ready, true);
    assert.equal(c._upgrading, false);
    assert.equal(c._closing, false);
    assert.equal(c._closed, false);
    assert.equal(c._nextHandler, false, 'no SASL continuation pending');
    assert.equal(c._handlerPending, false);
    assert.ok(!c._dataStream, 'no DATA in progress');
    assert.equal(c.secure, false);
    assert.equal(typeof c.id, 'string');
    assert.equal(c.name, 'contract.test');
    assert.equal(c.remoteAddress, '127.0.0.1', 'remoteAddress (the per-address limit counts by it)');
    assert.equal(typeof c.session.envelope, 'object');
    assert.equal(
      typeof (c._parser as unknown as { isClosed: unknown }).isClosed,
      'boolean',
      'SMTPStream.isClosed (read by the bare-newline guard)',
    );
    assert.equal(
      typeof (c._server as unknown as { options: { maxClients: unknown; maxCommandLength: unknown } }).options.maxClients,
      'number',
    );
    assert.equal(
      typeof (c._server as unknown as { options: { maxClients: unknown; maxCommandLength: unknown } }).options.maxCommandLength,
      'number',
    );

    socket.write('EHLO client.test\r\n');
    const ehlo = await read(/^250 /);
    assert.doesNotMatch(ehlo, /AUTH/, 'handler_EHLO sends its list through send() as an array, which we filter');
    assert.match(ehlo, /^250-STARTTLS$/m);
    assert.equal(c._transmissionType(), 'ESMTP');
    socket.write('MAIL FROM:<a@b.test>\r\n');
    assert.match(await read(/^530 /), /^530 5\.7\.0 /, '_onCommand is where every command passes (RFC 3207 §4)');
    socket.write('QUIT\r\n');
    assert.match(await read(/^221 /), /^221 /);
    await once(socket, 'close');
    for (let i = 0; i < 100 && !c._closed; i++) await new Promise((r) => setImmediate(r));
    assert.equal(c._closed, true, '_onClose ran');
  } finally {
    socket.destroy();
    await listener.stop();
  }
});
