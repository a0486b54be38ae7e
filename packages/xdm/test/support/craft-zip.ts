// Writes ZIP files byte by byte (APPNOTE 6.3.x local headers, central directory, end record) so
// that tests can make the archives no honest writer would: lying sizes, traversal names,
// symlinks, encryption flags, duplicates, overlapping entries.

import { crc32, deflateRawSync } from 'node:zlib';

export interface CraftEntry {
  name: string;
  data?: Uint8Array;
  /** 0 stored, 8 deflate (default). */
  method?: number;
  /** General purpose flags (bit 0 encrypted, bit 11 UTF-8). */
  flags?: number;
  /** Unix mode in the high 16 bits of the external attributes (made by Unix when set). */
  unixMode?: number;
  /** Overrides of what the headers declare. */
  declaredSize?: number;
  declaredCompressedSize?: number;
  /** Pre-compressed bytes (e.g. a deflate stream of a huge run of zeros). */
  raw?: Uint8Array;
  /** Points this central entry at the local header of an earlier entry (index). */
  shareLocalHeaderOf?: number;
}

export function craftZip(entries: readonly CraftEntry[], options: { truncateTo?: number; entryCount?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.data ?? new Uint8Array());
    const method = e.method ?? 8;
    const body = e.raw ? Buffer.from(e.raw) : method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const flags = (e.flags ?? 0) | 0x800;
    const crc = crc32(data);
    const size = e.declaredSize ?? data.length;
    const csize = e.declaredCompressedSize ?? body.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(csize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const at = e.shareLocalHeaderOf !== undefined ? offsets[e.shareLocalHeaderOf]! : offset;
    offsets.push(at);
    if (e.shareLocalHeaderOf === undefined) {
      locals.push(local, name, body);
      offset += 30 + name.length + body.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(csize, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(at, 42);
    centrals.push(central, name);
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = options.entryCount ?? entries.length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  const all = Buffer.concat([...locals, cd, end]);
  return options.truncateTo === undefined ? all : all.subarray(0, options.truncateTo);
}
