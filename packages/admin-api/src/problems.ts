import type { FastifyReply } from 'fastify';

/** Stable problem types (RFC 9457): `/problems/<code>`, each described at that path. */
export const PROBLEM_DOCS: Record<string, string> = {
  'invalid-input': 'The request body or parameters do not match the documented schema, or a required value is missing.',
  'invalid-identifier': 'An identifier (IdNat, RPPS, FINESS…) fails its format or check-digit rule (R-ID-1). The detail names the field and the rule.',
  'invalid-address': 'The mailbox address is not a valid MSSanté address of this operator (R-BAL-1).',
  'cab-naming': 'A CAB address must start with "cabinet." and no other type may (R-CAB-2).',
  'cab-with-finess': 'A CAB mailbox is for a liberal practice without FINESS (R-CAB-1); a structure with a FINESS holds ORG mailboxes.',
  'not-in-directory': 'The person or structure is not in the Annuaire Santé (R-ID-2).',
  'not-a-professional': 'The person is registered (e.g. a secretary through RPPS+) but is not a health professional, which this role requires (R-CAB-1, R-CAB-3).',
  'address-taken': 'The address is already held by a mailbox of this operator (R-BAL-1, R-BAL-2).',
  'not-delegable': 'APP mailboxes are not delegated (R-DEL-1).',
  'end-date-in-past': 'A delegation’s end date must be in the future.',
  'already-has-access': 'The person already holds this mailbox or has a delegation in force on it.',
  'not-a-cab': 'Cotitulaires exist only on CAB mailboxes (R-CAB-3).',
  'mailbox-not-found': 'No mailbox with this address at this operator.',
  'delegation-not-found': 'No delegation in force with this id on this mailbox.',
  'cotitulaire-not-found': 'The person is not a cotitulaire of this mailbox.',
  forbidden: 'The authenticated person or administrator may not do this on this mailbox (the role table of §5).',
  'cgu-not-accepted': 'The current terms of use must be accepted first (R-CAB-4); `acceptUrl` says where.',
  'mailbox-closed': 'The mailbox is closed; closing is final (R-BAL-2).',
  'mailbox-suspended': 'The mailbox is suspended.',
  'invalid-transition': 'The lifecycle does not allow this status change (R-BAL-2).',
  'cgu-not-current': 'Only the current CGU version can be accepted.',
  'cgu-exists': 'This CGU version has already been published.',
  'no-cgu': 'The operator has not published any CGU.',
  conflict: 'A concurrent change won; retry.',
  unauthenticated: 'A valid Pro Santé Connect access token (Bearer) or the operator administrator’s credentials (Basic) are required.',
  'not-found': 'No such resource.',
  'request-too-large': 'The request line and headers are larger than accepted (16 KiB): a query string that long belongs in a body.',
  'request-timeout': 'The request did not arrive in time.',
  internal: 'An unexpected error; it has been logged.',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [k: string]: unknown;
}

export function problem(status: number, code: string, detail?: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `/problems/${code}`, title: PROBLEM_DOCS[code]?.split('.')[0] ?? code, status, ...(detail ? { detail } : {}), ...extra };
}

/** The problem for a request Node's HTTP parser refused (it reached no route). */
export function clientProblem(status: number, detail: string): Problem & { detail: string } {
  const code = status === 431 || status === 413 ? 'request-too-large' : status === 408 ? 'request-timeout' : 'invalid-input';
  return { ...problem(status, code, detail), detail };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}
