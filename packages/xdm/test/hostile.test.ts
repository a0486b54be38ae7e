// The hostile-archive corpus of R-DOC-1: every archive or XML document an attacker (or a broken
// writer) could send is refused with an UnsafeArchiveError naming the limit, before it costs
// more than the limits allow: bombs, traversal, symlinks, duplicates, encryption, nesting,
// XXE, billion laughs, truncation, 10,000 entries.
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { buildXdm, readXdm, type UnsafeLimit, UnsafeArchiveError, writeZip } from '../src/index.ts';
import { craftZip } from './support/craft-zip.ts';
import { DISCHARGE_LETTER } from './support/samples.ts';

async function refused(archive: Buffer, limit: UnsafeLimit, options: Parameters<typeof readXdm>[1] = {}): Promise<UnsafeArchiveError> {
  try {
    await readXdm(archive, options);
  } catch (err) {
    assert.ok(err instanceof UnsafeArchiveError, `expected UnsafeArchiveError, got ${String(err)}`);
    assert.equal(err.limit, limit, err.message);
    return err;
  }
  assert.fail(`accepted; expected a refusal for ${limit}`);
}

/** An archive with the profile's layout and this METADATA.XML / document text. */
function xdmWith(metadata: string, document = '<ClinicalDocument xmlns="urn:hl7-org:v3"/>'): Promise<Buffer> {
  return writeZip([
    { name: 'INDEX.HTM', bytes: Buffer.from('<html></html>') },
    { name: 'IHE_XDM/SUBSET01/METADATA.XML', bytes: Buffer.from(metadata) },
    { name: 'IHE_XDM/SUBSET01/DOC0001.XML', bytes: Buffer.from(document) },
  ]);
}

const MIB = 1024 * 1024;

describe('ZIP bombs and sizes (R-DOC-1)', () => {
  test('a high-ratio entry (16 MiB of zeros in 16 KiB of deflate) is refused from its header, before inflating', async () => {
    const zeros = deflateRawSync(Buffer.alloc(16 * MIB));
    const before = process.memoryUsage().arrayBuffers;
    const err = await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/BOMB.XML', raw: zeros, declaredSize: 16 * MIB }]), 'compression-ratio');
    assert.match(err.message, /inflate to 16777216, more than 100 times/);
    // Nothing near the inflated size was ever held.
    assert.ok(process.memoryUsage().arrayBuffers - before < 48 * MIB);
  });

  test('an entry that lies about its size stops inflating at what it declared', async () => {
    const zeros = deflateRawSync(Buffer.alloc(32 * MIB));
    const before = process.memoryUsage().arrayBuffers;
    const err = await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/LIAR.XML', raw: zeros, declaredSize: 1000 }]), 'zip-malformed');
    assert.match(err.message, /too many bytes in the stream\. expected 1000/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * MIB);
  });

  test('a huge size declared in the header (4 GiB) is refused before reading', async () => {
    await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/HUGE.XML', data: Buffer.from('x'), declaredSize: 0xfffffffe }]), 'entry-size');
  });

  test('entries whose total passes the limit', async () => {
    const data = Buffer.alloc(600 * 1024, 'a');
    const entries = [1, 2, 3].map((i) => ({ name: `IHE_XDM/SUBSET01/DOC${i}.TXT`, data }));
    await refused(craftZip(entries), 'total-size', { maxTotalBytes: MIB, maxRatio: 10_000 });
  });

  test('one entry past the per-entry limit', async () => {
    await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/BIG.PDF', data: Buffer.alloc(2048, 1) }]), 'entry-size', { maxEntryBytes: 1024 });
  });

  test('an archive larger than accepted is not opened', async () => {
    await refused(Buffer.alloc(2048), 'archive-size', { maxArchiveBytes: 1024 });
  });

  test('10,000 entries are refused from the end record, before any entry is read', async () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ name: `IHE_XDM/SUBSET01/F${i}.TXT`, data: Buffer.from('x'), method: 0 }));
    const err = await refused(craftZip(entries), 'entry-count');
    assert.match(err.message, /10000 entries, more than the 1000 accepted/);
  });

  test('two central entries sharing one local header (the overlapping, non-recursive bomb)', async () => {
    const data = Buffer.from('shared bytes '.repeat(100));
    await refused(
      craftZip([
        { name: 'IHE_XDM/SUBSET01/A.TXT', data },
        { name: 'IHE_XDM/SUBSET01/B.TXT', data, shareLocalHeaderOf: 0 },
      ]),
      'overlapping-entries',
    );
  });
});

describe('names and entry kinds (R-DOC-1)', () => {
  const one = (name: string): Buffer => craftZip([{ name, data: Buffer.from('x') }]);
  test('path traversal', async () => void (await refused(one('IHE_XDM/../../etc/passwd'), 'path-traversal')));
  test('absolute names', async () => {
    await refused(one('/etc/passwd'), 'absolute-path');
    await refused(one('C:/Windows/win.ini'), 'absolute-path');
  });
  test('backslashes, control characters, empty segments', async () => {
    await refused(one('IHE_XDM\\SUBSET01\\DOC.XML'), 'bad-name');
    await refused(one('IHE_XDM/SUB\u0000SET/DOC.XML'), 'bad-name');
    await refused(one('IHE_XDM//DOC.XML'), 'bad-name');
  });
  test('a symbolic link', async () =>
    void (await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/LINK', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }]), 'symlink')));
  test('duplicate names, also when they differ only by case', async () => {
    await refused(
      craftZip([
        { name: 'A.TXT', data: Buffer.from('1') },
        { name: 'A.TXT', data: Buffer.from('2') },
      ]),
      'duplicate-name',
    );
    await refused(
      craftZip([
        { name: 'readme.txt', data: Buffer.from('1') },
        { name: 'README.TXT', data: Buffer.from('2') },
      ]),
      'duplicate-name',
    );
  });
  test('an encrypted entry (traditional PKWARE flag)', async () =>
    void (await refused(
      craftZip([{ name: 'IHE_XDM/SUBSET01/DOC.XML', data: Buffer.alloc(20), method: 0, flags: 1, declaredSize: 8 }]),
      'encrypted',
    )));
  test('strong encryption', async () =>
    void (await refused(craftZip([{ name: 'DOC.XML', data: Buffer.from('x'), flags: 0x41 }]), 'encrypted')));
  test('an unknown compression method (bzip2 = 12)', async () =>
    void (await refused(craftZip([{ name: 'DOC.XML', data: Buffer.from('x'), method: 12 }]), 'compression-method')));
  test('a nested archive, by name and by content', async () => {
    const inner = await buildXdm({ cda: DISCHARGE_LETTER });
    await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/INNER.ZIP', data: inner }]), 'nested-archive');
    await refused(craftZip([{ name: 'IHE_XDM/SUBSET01/DOC0002.PDF', data: inner }]), 'nested-archive');
  });
});

describe('broken archives', () => {
  test('truncated anywhere: refused as malformed, never a crash', async () => {
    const good = await buildXdm({ cda: DISCHARGE_LETTER });
    for (const cut of [0, 10, 100, Math.floor(good.length / 2), good.length - 30, good.length - 1]) {
      await refused(good.subarray(0, cut), 'zip-malformed');
    }
  });
  test('a CRC that does not match the data', async () => {
    const zip = craftZip([{ name: 'A.TXT', data: Buffer.from('hello world'), method: 0 }]);
    zip[30 + 'A.TXT'.length]! ^= 0xff; // first data byte
    await refused(zip, 'zip-malformed');
  });
  test('not a zip at all', async () =>
    void (await refused(Buffer.from('this is not an archive, just text that is long enough'), 'zip-malformed')));
});

describe('hostile XML in METADATA.XML and CDA (R-DOC-1)', () => {
  test('XXE: an external entity is never fetched nor read: the DOCTYPE is refused', async () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    await refused(await xdmWith(xxe), 'xml-doctype');
  });
  test('billion laughs', async () => {
    const lol = [
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']><lolz>&lol9;</lolz>',
    ].join('');
    await refused(await xdmWith(lol), 'xml-doctype');
  });
  test('an undeclared entity is a well-formedness error, not an expansion', async () => {
    await refused(await xdmWith('<r xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">&lol9;</r>'), 'xml-malformed');
  });
  test('a DOCTYPE in the CDA itself', async () => {
    const meta = '<r/>';
    await refused(await xdmWith(meta, '<!DOCTYPE ClinicalDocument SYSTEM "http://evil.example/x.dtd"><ClinicalDocument/>'), 'xml-doctype');
  });
  test('elements nested too deep', async () => {
    await refused(await xdmWith(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`), 'xml-depth');
  });
  test('too many elements, too many attributes', async () => {
    await refused(await xdmWith(`<r>${'<a/>'.repeat(2000)}</r>`), 'xml-nodes', { maxXmlElements: 1000 });
    const attrs = Array.from({ length: 100 }, (_, i) => `a${i}="x"`).join(' ');
    await refused(await xdmWith(`<r ${attrs}/>`), 'xml-nodes');
  });
  test('a document longer than accepted', async () => {
    await refused(await xdmWith(`<r>${'x'.repeat(5000)}</r>`), 'xml-size', { maxXmlChars: 4096 });
  });
  test('truncated XML, bytes that are not UTF-8, an encoding not accepted', async () => {
    await refused(await xdmWith('<r><a>'), 'xml-malformed');
    await refused(
      await writeZip([{ name: 'IHE_XDM/S/METADATA.XML', bytes: Buffer.from([0x3c, 0x72, 0x3e, 0xff, 0xfe, 0x3c]) }]),
      'xml-malformed',
    );
    await refused(await xdmWith('<?xml version="1.0" encoding="EBCDIC-US"?><r/>'), 'xml-malformed');
  });
});
