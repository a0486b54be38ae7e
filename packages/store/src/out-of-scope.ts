import { MssError } from '@mss/runtime';

/** An id of another mailbox (a folder, a delegation) was handed to a mailbox-scoped handle. */
export class OutOfScopeError extends MssError {
  constructor(what: string, mailboxAddress: string) {
    super('OUT_OF_SCOPE', `${what} does not belong to mailbox ${mailboxAddress}`);
    this.name = 'OutOfScopeError';
  }
}
