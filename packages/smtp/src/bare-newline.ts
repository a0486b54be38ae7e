// SMTP smuggling (CVE-2023-51764/51765/51766) needs two hops that disagree on where a message
// ends. smtp-server only ever ends DATA at <CR><LF>.<CR><LF>, so `<LF>.<CR><LF>` and its variants
// cannot split a message here; we go further, as Postfix does with
// `smtpd_forbid_bare_newline = reject`: a client that sends a lone LF or a lone CR anywhere
// (command or message) is refused and disconnected, so such bytes are never stored or relayed.

import { SMTPStream, type SMTPStreamOptions } from 'smtp-server/lib/smtp-stream.js';

export type BareNewline = 'LF' | 'CR';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Finds the first LF not preceded by CR, or CR not followed by LF, across chunk boundaries
 * (a chunk may end between the CR and the LF of one line ending).
 */
export class BareNewlineScanner {
  private pendingCr = false;
  private found: BareNewline | null = null;

  get result(): BareNewline | null {
    return this.found;
  }

  /** Returns the first bare newline seen so far (sticky: once found, always returned). */
  scan(chunk: Uint8Array): BareNewline | null {
    if (this.found !== null || chunk.length === 0) return this.found;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pendingCr && buf[0] !== LF) return (this.found = 'CR');
    // indexOf is memchr: a 25 MB message costs a few milliseconds, not a byte loop.
    let lf = -1;
    for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) {
      const before = i > 0 ? buf[i - 1] : this.pendingCr ? CR : -1;
      if (before !== CR) {
        lf = i;
        break;
      }
    }
    const last = buf.length - 1;
    // Only CRs before the first bare LF matter: whichever comes first is the one reported.
    const end = lf === -1 ? last : lf;
    for (let i = buf.indexOf(CR); i !== -1 && i < end; i = buf.indexOf(CR, i + 1)) {
      if (buf[i + 1] !== LF) return (this.found = 'CR');
    }
    if (lf !== -1) return (this.found = 'LF');
    this.pendingCr = buf[last] === CR;
    return null;
  }
}

/**
 * smtp-server's input parser with the scan in front. The scan is at `write()`, the entry the
 * socket pipes into, because the parser re-feeds itself through `_write` (after each command,
 * at the end of DATA) and would otherwise see some bytes twice and lose the chunk boundaries.
 * The parser itself is untouched: what to do about a bare newline is the connection's call.
 */
export class NewlineGuardStream extends SMTPStream {
  private readonly scanner = new BareNewlineScanner();
  private readonly onBareNewline: (kind: BareNewline) => void;

  constructor(options: SMTPStreamOptions, onBareNewline: (kind: BareNewline) => void) {
    super(options);
    this.onBareNewline = onBareNewline;
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    // A retired parser (STARTTLS) drains plaintext the library throws away: not the client's
    // session any more, so not a reason to refuse it.
    if (!this.isClosed && this.scanner.result === null) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk instanceof Uint8Array ? chunk : null;
      const found = bytes ? this.scanner.scan(bytes) : null;
      if (found) this.onBareNewline(found);
    }
    return Reflect.apply(super.write, this, [chunk, ...rest]) as boolean;
  }
}
