import type { SimpleCode } from '../../protocol/index.ts';

/** Thrown by a command handler: the command is answered `NO`, with the response code if any. */
export class ImapNo extends Error {
  readonly responseCode: SimpleCode | undefined;
  constructor(message: string, responseCode?: SimpleCode) {
    super(message);
    this.responseCode = responseCode;
  }
}

/** A well-formed command that names something that cannot exist (a sequence number past the end): `BAD`. */
export class ImapBad extends Error {}
