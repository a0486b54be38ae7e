// Connections per client address, for every listener (IMAP, SMTP submission and relay, LDAP).
// A total cap alone lets one client that opens that many connections lock everyone else out;
// with a cap per address it takes at least total / perAddress machines to do so
// (docs/choices.md, "Connections per client address").

/** Default most connections one client address holds at once on one listener. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

/** `::ffff:127.0.0.2` and `127.0.0.2` are one client. */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address.toLowerCase();
}

export class AddressConnectionLimit {
  readonly max: number;
  private readonly counts = new Map<string, number>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`connections per address must be a positive integer, not ${max}`);
    this.max = max;
  }

  /**
   * Takes a slot for the address: the returned function gives it back (once, however often it
   * is called); undefined when the address already holds `max` connections.
   */
  acquire(address: string | undefined): (() => void) | undefined {
    const key = clientAddressKey(address);
    const held = this.counts.get(key) ?? 0;
    if (held >= this.max) return undefined;
    this.counts.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.counts.get(key) ?? 1) - 1;
      if (n <= 0) this.counts.delete(key);
      else this.counts.set(key, n);
    };
  }

  /** Connections the address holds now. */
  held(address: string | undefined): number {
    return this.counts.get(clientAddressKey(address)) ?? 0;
  }
}
