import { EventBus } from '@mss/store';

/**
 * Something that may end open sessions at once (R-AUTH-4, R-DEL-5). Governance code publishes
 * these after committing; protocol servers subscribe and re-check the sessions concerned.
 */
export type RevocationEvent =
  | { kind: 'delegation-ended'; mailboxId: number; idnat: string; reason: string }
  | { kind: 'holder-removed'; mailboxId: number; idnat: string; role: string }
  /** A structure's staff member no longer declared on an ORG mailbox (issue #20 rule 6). */
  | { kind: 'local-person-removed'; mailboxId: number; idnat: string }
  | { kind: 'mailbox-status-changed'; mailboxId: number; status: 'suspended' | 'closed' }
  | { kind: 'ownership-transferred'; mailboxId: number; from: string; to: string }
  | { kind: 'cgu-published'; version: string }
  /** The trust space CA revoked a client certificate (a newer CRL lists this serial). */
  | { kind: 'certificate-revoked'; serial: string };

/**
 * Revocations on the store's event bus (topic `revocation`): a revocation published by any
 * process on the database — the admin API on node 1, a delegation's end found by node 2's
 * scheduler — reaches the sessions of every process (PostgreSQL LISTEN/NOTIFY; in-process on a
 * lone SQLite process). Without a bus, this process only.
 */
export class RevocationBus {
  private readonly bus: EventBus;

  constructor(bus: EventBus = new EventBus()) {
    this.bus = bus;
  }

  publish(event: RevocationEvent): void {
    this.bus.publish('revocation', event);
  }

  subscribe(listener: (event: RevocationEvent) => void): () => void {
    return this.bus.subscribe('revocation', (data) => listener(data as RevocationEvent));
  }

  get listenerCount(): number {
    return this.bus.listenerCount('revocation');
  }
}

/**
 * Whether an event can concern a session of `idnat` (or of the certificate or structure-local
 * `principal`) on `mailboxId` (the session then re-checks). Person events never concern a
 * certificate's session, nor certificate events a person's; a structure's staff member is
 * concerned by what ends their declaration or changes the mailbox's structure.
 */
export function concerns(
  event: RevocationEvent,
  session: { idnat: string; mailboxId: number; principal?: { kind: string; serial?: string } | undefined },
): boolean {
  const certificate = session.principal?.kind === 'application' ? session.principal.serial : undefined;
  const local = session.principal?.kind === 'local-person';
  const person = certificate === undefined && !local;
  switch (event.kind) {
    case 'certificate-revoked':
      return certificate !== undefined && certificate.toUpperCase() === event.serial.toUpperCase();
    case 'mailbox-status-changed':
      return event.mailboxId === session.mailboxId;
    case 'cgu-published':
      return certificate === undefined;
    case 'ownership-transferred':
      // An ORG moved to another structure is no longer its former staff's.
      if (local) return event.mailboxId === session.mailboxId;
      return person && event.mailboxId === session.mailboxId && (event.from === session.idnat || event.to === session.idnat);
    case 'local-person-removed':
      return local && event.mailboxId === session.mailboxId && event.idnat === session.idnat;
    case 'delegation-ended':
    case 'holder-removed':
      return person && event.mailboxId === session.mailboxId && event.idnat === session.idnat;
  }
}
