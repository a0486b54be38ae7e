// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3), both directions.
//
// The decoder is strict about canonical form (no encoded printable ASCII, no adjacent encoded
// runs, zero padding bits, paired surrogates): a mailbox must have exactly one wire name, or two
// clients could create "the same" folder twice under names that differ only in encoding.

const PRINTABLE_ONLY = /^[\x20-\x25\x27-\x7e]*$/;
const MODIFIED_BASE64 = /^[A-Za-z0-9+,]+$/;

function isPrintable(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/** Unicode → modified UTF-7. Lone surrogates become U+FFFD: they have no UTF-16 form to send. */
export function encodeMailboxName(name: string): string {
  if (PRINTABLE_ONLY.test(name)) return name;
  const s = name.toWellFormed();
  let out = '';
  let i = 0;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    if (isPrintable(code)) {
      out += code === 0x26 ? '&-' : s[i];
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && !isPrintable(s.charCodeAt(j))) j++;
    const utf16 = Buffer.allocUnsafe((j - i) * 2);
    for (let k = i; k < j; k++) utf16.writeUInt16BE(s.charCodeAt(k), (k - i) * 2);
    out += '&' + utf16.toString('base64').replace(/=+$/, '').replaceAll('/', ',') + '-';
    i = j;
  }
  return out;
}

/** Modified UTF-7 → Unicode, or null when the text is not canonical modified UTF-7. */
export function decodeMailboxName(wire: string): string | null {
  if (PRINTABLE_ONLY.test(wire)) return wire;
  let out = '';
  let i = 0;
  let lastRunEnd = -1;
  while (i < wire.length) {
    const code = wire.charCodeAt(i);
    if (!isPrintable(code)) return null;
    if (code !== 0x26) {
      out += wire[i];
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end === -1) return null;
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    if (i === lastRunEnd) return null;
    const decoded = decodeRun(wire.slice(i + 1, end));
    if (decoded === null) return null;
    out += decoded;
    i = end + 1;
    lastRunEnd = i;
  }
  return out;
}

function decodeRun(b64: string): string | null {
  if (!MODIFIED_BASE64.test(b64)) return null;
  const standard = b64.replaceAll(',', '/');
  const bytes = Buffer.from(standard, 'base64');
  // Re-encoding catches non-zero padding bits and impossible lengths in one comparison.
  if (bytes.length % 2 !== 0 || bytes.toString('base64').replace(/=+$/, '') !== standard) return null;
  let out = '';
  for (let k = 0; k < bytes.length; k += 2) {
    const unit = bytes.readUInt16BE(k);
    if (isPrintable(unit)) return null;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = k + 2 < bytes.length ? bytes.readUInt16BE(k + 2) : 0;
      if (low < 0xdc00 || low > 0xdfff) return null;
      out += String.fromCharCode(unit, low);
      k += 2;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return null;
    out += String.fromCharCode(unit);
  }
  return out;
}
