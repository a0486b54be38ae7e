// Splits a byte stream into CRLF lines, setting aside IMAP literals (`{n}` at the end of a line:
// the next n bytes are data, RFC 3501 §4.3) so that message content is never taken for commands.

export class LineSplitter {
  #buffer: Buffer = Buffer.alloc(0);
  #literal = 0;
  readonly #onLine: (line: Buffer) => void;
  readonly #onLiteral: (bytes: number) => void;
  readonly #literals: boolean;

  constructor(onLine: (line: Buffer) => void, options: { literals?: boolean; onLiteral?: (bytes: number) => void } = {}) {
    this.#onLine = onLine;
    this.#literals = options.literals ?? false;
    this.#onLiteral = options.onLiteral ?? (() => undefined);
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#literal > 0) {
        const take = Math.min(this.#literal, this.#buffer.length);
        this.#literal -= take;
        this.#buffer = this.#buffer.subarray(take);
        if (this.#literal > 0) return;
      }
      const nl = this.#buffer.indexOf(0x0a);
      if (nl < 0) return;
      const line = this.#buffer.subarray(0, nl + 1);
      this.#buffer = this.#buffer.subarray(nl + 1);
      this.#onLine(line);
      if (this.#literals) {
        const m = /\{(\d{1,10})\+?\}\r?\n$/.exec(line.toString('latin1'));
        if (m) {
          this.#literal = Number(m[1]);
          this.#onLiteral(this.#literal);
        }
      }
    }
  }
}
