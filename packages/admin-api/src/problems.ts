import type { FastifyReply } from 'fastify';
import { MssError } from '@mss/runtime';
import type { GovernanceErrorKind } from '@mss/governance';

/** Refusals that belong to HTTP itself rather than to governance. */
type ApiProblemCode = 'unauthenticated' | 'not-found' | 'request-too-large' | 'request-timeout' | 'internal';
export type ProblemCode = GovernanceErrorKind | ApiProblemCode;

/**
 * Every problem type the API answers with (RFC 9457: `/problems/<code>`, each described at that
 * path and in docs/problems.md), with its HTTP status: the one place governance errors meet HTTP.
 */
export const PROBLEMS: Readonly<Record<ProblemCode, { status: number; doc: string }>> = {
  'invalid-input': {
    status: 400,
    doc: 'The request body or parameters do not match the documented schema, or a required value is missing.',
  },
  'invalid-identifier': {
    status: 400,
    doc: 'An identifier (IdNat, RPPS, FINESS…) fails its format or check-digit rule (R-ID-1). The detail names the field and the rule.',
  },
  'invalid-address': { status: 400, doc: 'The mailbox address is not a valid MSSanté address of this operator (R-BAL-1).' },
  'cab-naming': { status: 400, doc: 'A CAB address must start with "cabinet." and no other type may (R-CAB-2).' },
  'cab-with-finess': {
    status: 422,
    doc: 'A CAB mailbox is for a liberal practice without FINESS (R-CAB-1); a structure with a FINESS holds ORG mailboxes. Also answered for a CAB attached to a situation d’exercice at a FINESS structure; `suggestedType` is ORG.',
  },
  'not-in-directory': { status: 422, doc: 'The person or structure is not in the Annuaire Santé (R-ID-2).' },
  'not-a-professional': {
    status: 422,
    doc: 'The person is registered (e.g. a secretary through RPPS+) but is not a health professional, which this role requires (R-CAB-1, R-CAB-3).',
  },
  'person-inactive': {
    status: 422,
    doc: 'The person is in the Annuaire Santé but no longer active there: every one of their situations d’exercice has ended (R-ENR-1, R-DEL-5); they cannot be given a new delegation (R-DEL-1) or be made cotitulaire (R-CAB-3). The operator’s copy follows the Annuaire’s change feed.',
  },
  'address-taken': { status: 409, doc: 'The address is already held by a mailbox of this operator (R-BAL-1, R-BAL-2).' },
  'not-delegable': { status: 422, doc: 'APP mailboxes are not delegated (R-DEL-1).' },
  'end-date-in-past': { status: 400, doc: 'A delegation’s end date must be in the future.' },
  'already-has-access': { status: 409, doc: 'The person already holds this mailbox or has a delegation in force on it.' },
  'not-a-cab': { status: 422, doc: 'Cotitulaires (R-CAB-3) and group addresses exist only on CAB mailboxes.' },
  'mailbox-not-found': {
    status: 404,
    doc: 'No mailbox with this address at this operator. A caller with no role on a mailbox gets the same answer: whoever has no right learns nothing about it.',
  },
  'delegation-not-found': { status: 404, doc: 'No delegation in force with this id on this mailbox.' },
  'cotitulaire-not-found': { status: 404, doc: 'The person is not a cotitulaire of this mailbox.' },
  'cotitulaire-limit': {
    status: 409,
    doc: 'The CAB already has as many cotitulaires as this operator allows (MSS_MAX_COTITULAIRES, default 20); `limit` says how many. Remove one first.',
  },
  'local-person-not-found': { status: 404, doc: 'No member of the structure’s staff with this identifier is declared on this mailbox.' },
  'not-an-org': {
    status: 422,
    doc: 'A structure’s own staff (structure-local identities) are declared on its ORG mailboxes only, never on PER, CAB or APP.',
  },
  'attached-to-structure': {
    status: 422,
    doc: 'ORG and APP mailboxes are attached to their structure, not to a situation d’exercice (R-ANN-1): the operator moves them with a transfer.',
  },
  'responsible-not-found': { status: 404, doc: 'The person is not a responsible person of this ORG or APP mailbox.' },
  'last-responsible': {
    status: 409,
    doc: 'The last responsible person of an ORG or APP mailbox cannot be removed: name another one first.',
  },
  'not-a-structure-mailbox': { status: 422, doc: 'Responsible persons exist only on ORG and APP mailboxes (§3).' },
  'release-too-early': {
    status: 409,
    doc: 'A closed mailbox’s address is released only after the operator’s waiting period since its closure (R-BAL-2; MSS_ADDRESS_RELEASE_DELAY, default 365 days); `releasableAt` says when.',
  },
  'group-not-found': { status: 404, doc: 'No open group address with this address on this CAB.' },
  'not-of-the-practice': {
    status: 422,
    doc: 'A group address fans out to active mailboxes of the practice only: the CAB itself, or the PER mailboxes of its owner and cotitulaires.',
  },
  forbidden: { status: 403, doc: 'The authenticated person or administrator may not do this (the role table of §5).' },
  'cgu-not-accepted': { status: 403, doc: 'The current terms of use must be accepted first (R-CAB-4); `acceptUrl` says where.' },
  'mailbox-closed': { status: 409, doc: 'The mailbox is closed; closing is final (R-BAL-2).' },
  'mailbox-suspended': { status: 409, doc: 'The mailbox is suspended.' },
  'invalid-transition': { status: 409, doc: 'The lifecycle does not allow this status change (R-BAL-2).' },
  'cgu-not-current': { status: 409, doc: 'Only the current CGU version can be accepted.' },
  'cgu-exists': { status: 409, doc: 'This CGU version has already been published.' },
  'no-cgu': { status: 409, doc: 'The operator has not published any CGU.' },
  conflict: { status: 409, doc: 'A concurrent change won; retry.' },
  'invalid-filter': {
    status: 400,
    doc: 'A filter of the operator listings (all mailboxes, the audit trail) has a value that is not accepted: an unknown type, status, outcome or channel, an identifier that fails its rule, a date that is neither YYYY-MM-DD nor an ISO 8601 date-time with a zone, or a period that ends before it begins. `field` names the filter.',
  },
  'invalid-cursor': {
    status: 400,
    doc: 'The `cursor` of an operator listing is not one the API issued, or was issued for another listing or other filters: send the `next` value of the previous page unchanged, with the same filters, or start again without a cursor.',
  },
  unauthenticated: {
    status: 401,
    doc: 'A valid Pro Santé Connect access token (Bearer) or the operator administrator’s credentials (Basic) are required.',
  },
  'not-found': { status: 404, doc: 'No such resource.' },
  'request-too-large': {
    status: 431,
    doc: 'The request line and headers are larger than accepted (16 KiB): a query string that long belongs in a body.',
  },
  'request-timeout': { status: 408, doc: 'The request did not arrive in time.' },
  internal: { status: 500, doc: 'An unexpected error; it has been logged.' },
};

/** A refusal of the HTTP layer itself (no credentials…), answered like a governance error. */
export class ApiError extends MssError {
  readonly kind: ApiProblemCode;
  constructor(kind: ApiProblemCode, message: string) {
    super(`API_${kind.toUpperCase().replace(/-/g, '_')}`, message);
    this.name = 'ApiError';
    this.kind = kind;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [k: string]: unknown;
}

export function problem(code: ProblemCode, detail?: string, extra: Record<string, unknown> = {}, status = PROBLEMS[code].status): Problem {
  return { type: `/problems/${code}`, title: PROBLEMS[code].doc.split(/\.(?:\s|$)/)[0]!, status, ...(detail ? { detail } : {}), ...extra };
}

/** The problem for a request Node's HTTP parser refused (it reached no route). */
export function clientProblem(status: number, detail: string): Problem & { detail: string } {
  const code = status === 431 || status === 413 ? 'request-too-large' : status === 408 ? 'request-timeout' : 'invalid-input';
  return { ...problem(code, detail, {}, status), detail };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}
