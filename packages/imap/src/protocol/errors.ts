// The one error the parser lets out. Everything a client can send that the grammar refuses ends
// here, so the session can answer `BAD` (or `* BAD` when the tag itself is unusable) and carry on.

export class ParseError extends Error {
  override readonly name = 'ParseError';
  /** The command's tag once it was read; null when the line had no usable tag (answer `* BAD`). */
  tag: string | null;

  constructor(message: string, tag: string | null = null) {
    super(message);
    this.tag = tag;
  }
}

/**
 * A command that follows the grammar but names a mailbox no name can be (not canonical modified
 * UTF-7, not UTF-8): answered `NO`, not `BAD` — the command is well formed (RFC 3501 §5.1.3).
 */
export class MailboxNameError extends ParseError {}

/** A client token shown in an error text, cut short: error texts are echoed to the client. */
export function shown(token: string): string {
  return token.length > 40 ? `${token.slice(0, 40)}…` : token;
}
