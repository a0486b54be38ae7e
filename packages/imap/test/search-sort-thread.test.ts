// SEARCH as the compliance suites test it (RFC 3501 §6.4.4: SENT* dates in the Date field's own
// zone, addresses with comments), ESEARCH (RFC 4731), SORT and THREAD (RFC 5256) and WITHIN
// (RFC 5032): exact responses on a raw socket, then with imapflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, imapflowClient, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

let w: ImapWorld;
let c: Conversation;

const crlf = (...lines: string[]) => lines.join('\r\n');
const MESSAGES: [internalDate: string, text: string][] = [
  [
    '05-Apr-2007 10:00:00 +0000',
    crlf(
      'From: <user-from (comment)@ (comment) domain.org>',
      'To: "Real Name" <user-to@domain.org>',
      'Cc: user-cc@domain.org (Real Name)',
      'Subject: Re: Apple',
      'Date: Mon, 26 Mar 2007 00:00:00 +0300',
      'Message-ID: <m1@example.org>',
      '',
      'one',
      '',
    ),
  ],
  [
    '04-Apr-2007 10:00:00 +0000',
    crlf(
      'From: =?UTF-8?Q?Zo=C3=A9?= <alice@x.org>',
      'To: bob@x.org',
      'Subject: apple',
      'Date: Sun, 25 Mar 2007 23:30:00 -0500',
      'Message-ID: <m2@example.org>',
      'References: <m1@example.org>',
      '',
      'two two two two two two two two',
      '',
    ),
  ],
  [
    '03-Apr-2007 10:00:00 +0000',
    crlf(
      'From: carol@x.org',
      'To: Anne <anne@x.org>',
      'Cc: zed@x.org',
      'Subject: [list] Banana',
      'Date: Tue, 27 Mar 2007 10:00:00 +0000',
      'Message-ID: <m3@example.org>',
      'In-Reply-To: <m2@example.org>',
      '',
      'three',
      '',
    ),
  ],
  // No Date field: its sent date is its INTERNALDATE (RFC 5256 §2.2).
  [
    '01-Jan-2007 10:00:00 +0000',
    crlf('From: bob@x.org', 'Subject: Cherry (fwd)', 'Message-ID: <m4@example.org>', '', 'four'.repeat(100), ''),
  ],
];

before(async () => {
  w = await startImapWorld();
  c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  assert.match(await command(c, 'c1', 'CREATE Tri'), /c1 OK/);
  for (const [i, [date, text]] of MESSAGES.entries()) {
    assert.match(await command(c, `a${i}`, `APPEND Tri "${date}" {${Buffer.byteLength(text)}+}\r\n${text}`), new RegExp(`a${i} OK`));
  }
  assert.match(await command(c, 's1', 'SELECT Tri'), /\* 4 EXISTS\r\n[\s\S]*s1 OK/);
});
after(async () => {
  c.socket.destroy();
  await w.close();
});

/** The untagged lines of a command, and its tagged status line, exactly. */
async function exchange(tag: string, text: string): Promise<string> {
  return command(c, tag, text);
}

test('CAPABILITY announces ESEARCH, SORT, THREAD=ORDEREDSUBJECT, THREAD=REFERENCES, WITHIN', async () => {
  const r = await exchange('k1', 'CAPABILITY');
  for (const cap of ['ESEARCH', 'SORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'WITHIN'])
    assert.match(r, new RegExp(` ${cap}( |\\r)`));
});

test("RFC 3501 §6.4.4: SENTON/SENTBEFORE/SENTSINCE compare the Date field's day in its own zone", async () => {
  // Message 1 says 26 Mar +0300 (25 Mar in UTC); message 2 says 25 Mar -0500 (26 Mar in UTC).
  assert.equal(await exchange('d1', 'SEARCH SENTON 26-Mar-2007'), '* SEARCH 1\r\nd1 OK SEARCH completed\r\n');
  assert.equal(await exchange('d2', 'SEARCH SENTON 25-Mar-2007'), '* SEARCH 2\r\nd2 OK SEARCH completed\r\n');
  assert.equal(
    await exchange('d3', 'SEARCH SENTBEFORE 26-Mar-2007'),
    '* SEARCH 2 4\r\nd3 OK SEARCH completed\r\n',
    'message 4 has no Date: its INTERNALDATE',
  );
  assert.equal(await exchange('d4', 'SEARCH SENTSINCE 26-Mar-2007'), '* SEARCH 1 3\r\nd4 OK SEARCH completed\r\n');
  assert.equal(await exchange('d5', 'UID SEARCH SENTSINCE 27-Mar-2007'), '* SEARCH 3\r\nd5 OK UID SEARCH completed\r\n');
});

test('RFC 5322 §3.4.1: FROM/TO/CC match an address written with comments (CFWS) inside it', async () => {
  assert.equal(await exchange('f1', 'SEARCH FROM user-from@domain.org'), '* SEARCH 1\r\nf1 OK SEARCH completed\r\n');
  assert.equal(await exchange('f2', 'SEARCH TO user-to@domain.org'), '* SEARCH 1\r\nf2 OK SEARCH completed\r\n');
  assert.equal(await exchange('f3', 'SEARCH CC "<user-cc@domain.org>"'), '* SEARCH 1\r\nf3 OK SEARCH completed\r\n');
  assert.equal(
    await exchange('f4', 'SEARCH CC "Real Name"'),
    '* SEARCH 1\r\nf4 OK SEARCH completed\r\n',
    'the comment is still searchable text',
  );
  assert.equal(await exchange('f5', 'SEARCH FROM x.org NOT TO bob'), '* SEARCH 3 4\r\nf5 OK SEARCH completed\r\n');
});

test('RFC 4731 §3.1/§3.2: SEARCH RETURN answers one ESEARCH with the tag and the items asked for', async () => {
  assert.equal(
    await exchange('e1', 'SEARCH RETURN (MIN MAX COUNT ALL) FROM x.org'),
    '* ESEARCH (TAG "e1") MIN 2 MAX 4 ALL 2:4 COUNT 3\r\ne1 OK SEARCH completed\r\n',
  );
  assert.equal(
    await exchange('e2', 'UID SEARCH RETURN () ALL'),
    '* ESEARCH (TAG "e2") UID ALL 1:4\r\ne2 OK UID SEARCH completed\r\n',
    'RETURN () is ALL',
  );
  assert.equal(
    await exchange('e3', 'SEARCH RETURN (COUNT MIN) SUBJECT nowhere'),
    '* ESEARCH (TAG "e3") COUNT 0\r\ne3 OK SEARCH completed\r\n',
  );
  assert.equal(await exchange('e4', 'SEARCH RETURN (MIN) SUBJECT nowhere'), '* ESEARCH (TAG "e4")\r\ne4 OK SEARCH completed\r\n');
  assert.equal(
    await exchange('e5', 'SEARCH RETURN (MAX) CHARSET UTF-8 SUBJECT apple'),
    '* ESEARCH (TAG "e5") MAX 2\r\ne5 OK SEARCH completed\r\n',
  );
  assert.equal(await exchange('e6', 'SEARCH RETURN (SAVE) ALL'), 'e6 BAD Unknown RETURN option SAVE\r\n', 'SEARCHRES is not offered');
  assert.match(
    await exchange('e7', 'SEARCH RETURN (ALL) MODSEQ 1'),
    /^\* ESEARCH \(TAG "e7"\) ALL 1:4 MODSEQ \d+\r\ne7 OK/,
    'RFC 7162 §3.1.5',
  );
});

test('RFC 5256 §3: SORT by each key, REVERSE, several keys; mailbox order breaks ties', async () => {
  const sorted = async (tag: string, criteria: string, search = 'ALL') => {
    const r = await exchange(tag, `SORT ${criteria} UTF-8 ${search}`);
    assert.match(r, new RegExp(`${tag} OK SORT completed\\r\\n$`));
    return r.split('\r\n')[0];
  };
  // Sent dates (UTC): 1 = 25 Mar 21:00, 2 = 26 Mar 04:30, 3 = 27 Mar, 4 = 1 Jan (INTERNALDATE).
  assert.equal(await sorted('o1', '(DATE)'), '* SORT 4 1 2 3');
  assert.equal(await sorted('o2', '(ARRIVAL)'), '* SORT 4 3 2 1');
  // Base subjects (§2.1): Apple, apple, Banana, Cherry — compared with i;ascii-casemap.
  assert.equal(await sorted('o3', '(SUBJECT)'), '* SORT 1 2 3 4');
  assert.equal(await sorted('o4', '(REVERSE SUBJECT)'), '* SORT 4 3 1 2', 'REVERSE does not reverse the tie-break');
  assert.equal(await sorted('o5', '(SUBJECT REVERSE DATE)'), '* SORT 2 1 3 4');
  // addr-mailbox of the first address: user-from, alice, carol, bob; To: user-to, bob, anne, none.
  assert.equal(await sorted('o6', '(FROM)'), '* SORT 2 4 3 1');
  assert.equal(await sorted('o7', '(TO)'), '* SORT 4 3 2 1');
  assert.equal(await sorted('o8', '(CC)'), '* SORT 2 4 1 3');
  const sizes = MESSAGES.map(([, text], i) => [Buffer.byteLength(text), i + 1] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.equal(await sorted('o9', '(SIZE)'), `* SORT ${sizes.map(([, seq]) => seq).join(' ')}`);
  assert.equal(await sorted('o10', '(DATE)', 'FROM x.org'), '* SORT 4 2 3', 'only what the search keys match');
  assert.equal(await exchange('o11', 'UID SORT (REVERSE DATE) US-ASCII ALL'), '* SORT 3 2 1 4\r\no11 OK UID SORT completed\r\n');
  assert.equal(await exchange('o12', 'SORT (DATE) UTF-8 SUBJECT nowhere'), '* SORT\r\no12 OK SORT completed\r\n');
  assert.equal(await exchange('o13', 'SORT (DATE) KOI8-R ALL'), 'o13 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset KOI8-R\r\n');
  assert.equal(await exchange('o14', 'SORT (NAME) UTF-8 ALL'), 'o14 BAD Unknown sort key NAME\r\n');
});

test('RFC 5256 §3/§4: THREAD=REFERENCES and THREAD=ORDEREDSUBJECT', async () => {
  // 1 ← 2 (References) ← 3 (In-Reply-To); 4 alone, oldest: first.
  assert.equal(await exchange('t1', 'THREAD REFERENCES UTF-8 ALL'), '* THREAD (4)(1 2 3)\r\nt1 OK THREAD completed\r\n');
  // Apple: 1 then 2 (by date); Banana: 3; Cherry: 4; threads by their first date.
  assert.equal(await exchange('t2', 'THREAD ORDEREDSUBJECT UTF-8 ALL'), '* THREAD (4)(1 2)(3)\r\nt2 OK THREAD completed\r\n');
  assert.equal(await exchange('t3', 'UID THREAD REFERENCES US-ASCII NOT FROM bob'), '* THREAD (1 2 3)\r\nt3 OK UID THREAD completed\r\n');
  assert.equal(await exchange('t4', 'THREAD REFERENCES UTF-8 SUBJECT nowhere'), '* THREAD\r\nt4 OK THREAD completed\r\n');
  assert.equal(await exchange('t5', 'THREAD FOO UTF-8 ALL'), 't5 BAD Unknown threading algorithm FOO\r\n');
  assert.equal(await exchange('t6', 'THREAD REFERENCES KOI8-R ALL'), 't6 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset KOI8-R\r\n');
});

test('RFC 5032 §3: OLDER and YOUNGER count seconds back from now on INTERNALDATE', async () => {
  assert.equal(await exchange('w1', 'SEARCH YOUNGER 86400'), '* SEARCH\r\nw1 OK SEARCH completed\r\n');
  assert.equal(await exchange('w2', 'SEARCH OLDER 86400'), '* SEARCH 1 2 3 4\r\nw2 OK SEARCH completed\r\n');
  const fresh = crlf('From: bob@x.org', 'Subject: now', '', 'now', '');
  const appended = await exchange('w3', `APPEND Tri {${Buffer.byteLength(fresh)}+}\r\n${fresh}`);
  assert.match(appended + (await exchange('w4', 'NOOP')), /\* 5 EXISTS\r\n/);
  assert.equal(await exchange('w5', 'SEARCH YOUNGER 86400'), '* SEARCH 5\r\nw5 OK SEARCH completed\r\n');
  assert.equal(await exchange('w6', 'SEARCH NOT YOUNGER 86400'), '* SEARCH 1 2 3 4\r\nw6 OK SEARCH completed\r\n');
  assert.equal(await exchange('w7', 'SEARCH OLDER 0'), 'w7 BAD Expected an interval in seconds: zero\r\n');
});

test('imapflow: search() with ESEARCH RETURN options, since/before through WITHIN, SORT and THREAD sent raw', async () => {
  const client = imapflowClient(w.imap.port, PER, await w.token(GP));
  await client.connect();
  try {
    const lock = await client.getMailboxLock('Tri');
    try {
      assert.deepEqual(await client.search({ from: 'x.org' }, { returnOptions: ['MIN', 'MAX', 'COUNT', 'ALL'] }), {
        min: 2,
        max: 5,
        count: 4,
        all: '2:5',
      });
      assert.deepEqual(await client.search({ from: 'user-from@domain.org' }, { uid: true, returnOptions: ['ALL'] }), { all: '1' });
      // imapflow turns `since` into YOUNGER when the server announces WITHIN.
      assert.deepEqual(await client.search({ since: new Date(Date.now() - 86_400_000) }), [5]);
      assert.deepEqual(await client.search({ before: new Date(Date.now() - 86_400_000) }), [1, 2, 3, 4]);
      const raw = async (name: string, args: { type: string; value: string }[] | unknown[]) => {
        let line: unknown[] = [];
        const exec = (client as unknown as { exec: (c: string, a: unknown[], o: unknown) => Promise<{ next(): void }> }).exec.bind(client);
        const r = await exec(name, args, {
          untagged: { [name.replace(/^UID /, '')]: async (u: { attributes?: unknown[] }) => void (line = u.attributes ?? []) },
        });
        r.next();
        return line;
      };
      const atom = (value: string) => ({ type: 'ATOM', value });
      const sortedUids = await raw('UID SORT', [[atom('REVERSE'), atom('DATE')], atom('UTF-8'), atom('ALL')]);
      assert.deepEqual(
        sortedUids.map((a) => (a as { value: string }).value),
        ['5', '3', '2', '1', '4'],
      );
      const threads = await raw('THREAD', [atom('REFERENCES'), atom('UTF-8'), atom('ALL')]);
      assert.equal(
        JSON.stringify(threads)
          .match(/"value":"\d+"/g)
          ?.join(','),
        '"value":"4","value":"1","value":"2","value":"3","value":"5"',
      );
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
});

test('RFC 5256 §3: a header longer than one read (a 40 KiB References field) before a large body is read whole', async () => {
  assert.match(await exchange('h1', 'CREATE Long'), /h1 OK/);
  const refs = Array.from({ length: 1200 }, (_v, i) => `<r${i}.padding-padding@example.org>`).join('\r\n ');
  const root = crlf(
    'From: a@x.org',
    'Subject: root',
    'Date: Mon, 26 Mar 2007 10:00:00 +0000',
    'Message-ID: <r1199.padding-padding@example.org>',
    '',
    'root',
    '',
  );
  const reply = crlf(
    'From: b@x.org',
    'Subject: unrelated',
    'Date: Mon, 26 Mar 2007 11:00:00 +0000',
    'Message-ID: <reply@example.org>',
    `References: ${refs}`,
    '',
    'x'.repeat(300_000),
    '',
  );
  const other = crlf('From: c@x.org', 'Subject: other', 'Date: Mon, 26 Mar 2007 09:00:00 +0000', '', 'other', '');
  for (const [i, m] of [root, reply, other].entries())
    assert.match(await exchange(`h${i + 2}`, `APPEND Long {${Buffer.byteLength(m)}+}\r\n${m}`), /OK/);
  assert.match(await exchange('h5', 'SELECT Long'), /\* 3 EXISTS/);
  // The reply's parent is its last reference, the root (their subjects differ: only References
  // links them), found only if the whole References field was read.
  assert.equal(await exchange('h6', 'THREAD REFERENCES UTF-8 ALL'), '* THREAD (3)(1 2)\r\nh6 OK THREAD completed\r\n');
  assert.equal(await exchange('h7', 'SORT (REVERSE DATE) UTF-8 ALL'), '* SORT 2 1 3\r\nh7 OK SORT completed\r\n');
});
