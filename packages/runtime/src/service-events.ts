/**
 * What the listeners and the decision point report as they work, for the operator's metrics
 * (`packages/operator` turns them into Prometheus series). Every method is optional and must not
 * throw or block: it is called on the hot path.
 */
export interface ServiceEvents {
  /** A protocol command was read (SMTP verb, IMAP command name), on the listener `service`. */
  command?(service: string, command: string): void;
  /** A message was accepted (`250` after DATA) for `recipients` recipients. */
  accepted?(service: string, recipients: number): void;
  /**
   * The kernel was asked to acknowledge a client's literal at once (TCP_QUICKACK, tcp-quick-ack.ts):
   * `sent` is false when it could not be (no koffi, not Linux), so the client may wait ~40 ms.
   */
  quickAck?(service: string, sent: boolean): void;
  /** An access decision was made and audited. */
  decision?(channel: string, outcome: 'allowed' | 'denied'): void;
}
