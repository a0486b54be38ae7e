import type { IncomingMessage } from 'node:http';
import { FhirError } from '../fhir/outcome.ts';

/** An operator allowed to feed the directory: its key and the domains it hosts mailboxes in. */
export interface FeedOperator {
  /** Shown in logs and answers, e.g. `operateur-a`. */
  name: string;
  /** Sent as `Authorization: Bearer <key>`. */
  key: string;
  /** Mail domains it hosts; it may only write mailboxes in these (403 otherwise). */
  domains: readonly string[];
}

export class FeedOperators {
  private readonly byKey = new Map<string, FeedOperator>();

  constructor(operators: readonly FeedOperator[]) {
    for (const op of operators) {
      if (!op.key) throw new Error(`feed operator ${op.name} has an empty key`);
      if (op.domains.length === 0) throw new Error(`feed operator ${op.name} has no domain`);
      this.byKey.set(op.key, { ...op, domains: op.domains.map((d) => d.toLowerCase()) });
    }
  }

  /** The operator whose key the request carries; 401 (with a challenge) otherwise. */
  authenticate(req: IncomingMessage): FeedOperator {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const op = m ? this.byKey.get(m[1]!) : undefined;
    if (!op) {
      const why = header ? 'unknown operator key' : 'missing Authorization: Bearer <operator key>';
      throw new FhirError(401, 'login', `${why}: writing to the directory needs the key the directory issued to your operator`, {
        'WWW-Authenticate': 'Bearer realm="annuaire-feed"',
      });
    }
    return op;
  }
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** 403 unless the address is in one of the operator's domains. */
export function requireOwnDomain(op: FeedOperator, address: string): void {
  if (!op.domains.includes(domainOf(address))) {
    throw new FhirError(403, 'forbidden', `operator ${op.name} may not write ${address}: its domains are ${op.domains.join(', ')}`);
  }
}
