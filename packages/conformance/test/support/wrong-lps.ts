// A deliberately wrong LPS, for the kit's own tests: it does the steps of send-discharge-letter
// with a known list of mistakes, and nothing else wrong —
//   LDAP-1  an LDAP search without limits (sizeLimit 0, timeLimit 0)
//   AUTH-1  AUTH PLAIN on SMTP (a password login)
//   AUTH-2  XOAUTH2 on IMAP with auth=<token> instead of auth=Bearer <token>
//   SMTP-1  MAIL FROM another mailbox than the one it authenticated as
//   DOC-1   X-MSS-CODECDA that is not the document's code, and no X-MSS-INS
// Run by `mss conformance --run`, which sets MSS_ENVIRONMENT.
import net from 'node:net';
import tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { approveOnSandboxEcps, environmentFromEnv, PscClient } from '@mss/client';
import { buildXdm, SAMPLE_DOCUMENTS } from '@mss/xdm';
import { Client } from 'ldapts';

const env = environmentFromEnv(process.env);
const ME = 'paul.martin@operateur-a.mssante.fr';
const ANNE = 'anne.lambert@operateur-b.mssante.fr';

/** A line-oriented client over a socket that can be upgraded to TLS. */
class Conversation {
  #socket: net.Socket;
  #buffer = '';
  #waiters: ((line: string) => void)[] = [];
  #lines: string[] = [];

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen();
  }

  static async open(url: string): Promise<Conversation> {
    const u = new URL(url);
    const socket = net.connect(Number(u.port), u.hostname);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Conversation(socket);
  }

  #listen(): void {
    this.#socket.on('data', (d: Buffer) => {
      this.#buffer += d.toString('latin1');
      for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, '');
        this.#buffer = this.#buffer.slice(nl + 1);
        const w = this.#waiters.shift();
        if (w) w(line);
        else this.#lines.push(line);
      }
    });
  }

  line(): Promise<string> {
    const l = this.#lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** SMTP: the reply's last line (`250 …` after `250-…` lines). */
  async reply(): Promise<string> {
    for (;;) {
      const l = await this.line();
      if (/^\d{3}( |$)/.test(l)) return l;
    }
  }

  /** IMAP: lines until the tagged one; answers `+` challenges with an empty line (RFC 3501 §7.5). */
  async tagged(tag: string): Promise<string> {
    for (;;) {
      const l = await this.line();
      if (l.startsWith('+')) this.send('');
      if (l.startsWith(`${tag} `)) return l;
    }
  }

  send(line: string): void {
    this.#socket.write(`${line}\r\n`);
  }

  async startTls(): Promise<void> {
    this.#socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.#socket, ca: env.ca, checkServerIdentity: () => undefined });
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.#socket = secure;
    this.#listen();
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

// A token, by CIBA, as PSC expects it (this part is right).
const psc = await PscClient.connect({ issuer: env.pscIssuer, clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' });
const request = await psc.requestApproval('810000001056', { bindingMessage: 'LPS de test' });
await approveOnSandboxEcps(env, request.authReqId);
const token = (await psc.waitForApproval(request)).accessToken;

// LDAP-1: no size or time limit asked.
const ldap = new Client({ url: env.ldap });
await ldap.search('ou=bal,o=mssante,c=fr', { scope: 'sub', filter: '(sn=Lambert)', sizeLimit: 0, timeLimit: 0 });
await ldap.unbind();

async function smtpSession(): Promise<Conversation> {
  const c = await Conversation.open(env.smtp);
  await c.reply();
  c.send('EHLO wrong-lps');
  await c.reply();
  c.send('STARTTLS');
  await c.reply();
  await c.startTls();
  c.send('EHLO wrong-lps');
  await c.reply();
  return c;
}

// AUTH-1: a password login.
const plain = await smtpSession();
plain.send(`AUTH PLAIN ${b64(`\0${ME}\0secret`)}`);
console.log(`AUTH PLAIN: ${await plain.reply()}`);
plain.send('QUIT');

// AUTH-2: XOAUTH2 without "Bearer"; then the right form, and a read.
const imap = await Conversation.open(env.imap);
await imap.line();
imap.send('a STARTTLS');
await imap.tagged('a');
await imap.startTls();
imap.send(`b AUTHENTICATE XOAUTH2 ${b64(`user=${ME}\x01auth=${token}\x01\x01`)}`);
console.log(`XOAUTH2 without Bearer: ${await imap.tagged('b')}`);
imap.send(`c AUTHENTICATE XOAUTH2 ${b64(`user=${ME}\x01auth=Bearer ${token}\x01\x01`)}`);
await imap.tagged('c');
imap.send('d SELECT INBOX');
await imap.tagged('d');
imap.send('e UID FETCH 1:* (UID BODY.PEEK[HEADER])');
await imap.tagged('e');
imap.send('f LOGOUT');

// SMTP-1, then DOC-1.
const smtp = await smtpSession();
smtp.send(`AUTH XOAUTH2 ${b64(`user=${ME}\x01auth=Bearer ${token}\x01\x01`)}`);
await smtp.reply();
smtp.send('MAIL FROM:<cabinet.infirmiers-des-lilas@operateur-a.mssante.fr>');
console.log(`MAIL FROM another mailbox: ${await smtp.reply()}`);
smtp.send('RSET');
await smtp.reply();
smtp.send(`MAIL FROM:<${ME}>`);
await smtp.reply();
smtp.send(`RCPT TO:<${ANNE}>`);
await smtp.reply();
smtp.send('DATA');
await smtp.reply();
const zip = (await buildXdm({ cda: await readFile(SAMPLE_DOCUMENTS.dischargeLetter) })).toString('base64').replace(/.{76}/g, '$&\r\n');
const message = [
  `From: <${ME}>`,
  `To: <${ANNE}>`,
  'Subject: Lettre de liaison',
  `Message-ID: <wrong-lps-${Date.now()}@operateur-a.mssante.fr>`,
  'X-MSS-CODECDA: 11488-4',
  'X-MSS-NIL: DEV935997',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Ci-joint la lettre de liaison.',
  '--b',
  'Content-Type: application/zip; name="IHE_XDM.ZIP"',
  'Content-Disposition: attachment; filename="IHE_XDM.ZIP"',
  'Content-Transfer-Encoding: base64',
  '',
  zip,
  '--b--',
  '.',
];
for (const l of message) smtp.send(l);
console.log(`DATA: ${await smtp.reply()}`);
smtp.send('QUIT');
await smtp.reply();
process.exit(0);
