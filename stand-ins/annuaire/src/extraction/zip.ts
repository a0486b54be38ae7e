import { Readable } from 'node:stream';
import zlib from 'node:zlib';

// A ZIP archive of one file, written as a stream (APPNOTE 6.3: local header with the sizes
// deferred to a data descriptor, deflate, central directory). Why our own: Node has deflate and
// CRC-32 built in (zlib.crc32), one entry needs ~100 lines, and the stream pulls rows only as fast
// as the client reads, which is the whole point of streaming 1M lines. No ZIP64: an entry past
// 4 GiB fails loudly (the national file is about 90 MB).

const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const FLAGS = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 file name
const DEFLATE = 8;
const LIMIT = 0xffffffff;

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

export class ZipTooLargeError extends Error {
  constructor() {
    super('the extraction passed 4 GiB, which needs ZIP64 (not implemented)');
    this.name = 'ZipTooLargeError';
  }
}

/** Zips `content` as a single entry `name`; the archive is produced as the consumer reads. */
export async function* zipSingleEntry(name: string, modified: Date, content: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const nameBytes = Buffer.from(name, 'utf8');
  const { time, date } = dosDateTime(modified);

  const local = Buffer.alloc(30);
  local.writeUInt32LE(LOCAL, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(FLAGS, 6);
  local.writeUInt16LE(DEFLATE, 8);
  local.writeUInt16LE(time, 10);
  local.writeUInt16LE(date, 12);
  local.writeUInt16LE(nameBytes.length, 26);
  yield Buffer.concat([local, nameBytes]);
  let offset = local.length + nameBytes.length;

  let crc = 0;
  let size = 0;
  async function* tapped(): AsyncGenerator<Buffer> {
    for await (const chunk of content) {
      crc = zlib.crc32(chunk, crc);
      size += chunk.length;
      if (size > LIMIT) throw new ZipTooLargeError();
      yield chunk;
    }
  }
  const deflate = zlib.createDeflateRaw({ level: 6 });
  // One page buffered ahead at most: Readable.from's default is 16 objects, i.e. 16 pages of text.
  const source = Readable.from(tapped(), { highWaterMark: 1 });
  source.on('error', (err) => deflate.destroy(err));
  source.pipe(deflate);
  let compressed = 0;
  for await (const out of deflate as AsyncIterable<Buffer>) {
    compressed += out.length;
    if (compressed > LIMIT) throw new ZipTooLargeError();
    yield out;
  }
  offset += compressed;

  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(DESCRIPTOR, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  descriptor.writeUInt32LE(compressed, 8);
  descriptor.writeUInt32LE(size, 12);
  yield descriptor;
  const centralOffset = offset + descriptor.length;

  const central = Buffer.alloc(46);
  central.writeUInt32LE(CENTRAL, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(FLAGS, 8);
  central.writeUInt16LE(DEFLATE, 10);
  central.writeUInt16LE(time, 12);
  central.writeUInt16LE(date, 14);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(compressed, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt16LE(1, 36); // internal attributes: text
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  central.writeUInt32LE(0, 42); // the local header is at the start
  const centralRecord = Buffer.concat([central, nameBytes]);

  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralRecord.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  yield Buffer.concat([centralRecord, end]);
}
