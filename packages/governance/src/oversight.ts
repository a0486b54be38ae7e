import { createHash } from 'node:crypto';
import { checkIdNatPerson, checkIdNatStructure, isMailboxStatus, isMailboxType, type MailboxStatus, type MailboxType } from '@mss/domain';
import type { AccessControl, Principal } from '@mss/access';
import type { AccessAuditRow, AuditFilter, ListedMailbox, ListingKey, MailboxListingFilter, Store } from '@mss/store';
import { GovernanceError } from './errors.ts';

/** The listing filters as a caller gives them (query-string values), before they are checked. */
export interface MailboxSearch {
  type?: string;
  status?: string;
  owner?: string;
  structure?: string;
  listeRouge?: boolean;
  address?: string;
  createdFrom?: string;
  createdTo?: string;
  closedFrom?: string;
  closedTo?: string;
}

export interface AuditSearch {
  principal?: string;
  mailbox?: string;
  from?: string;
  to?: string;
  outcome?: string;
  channel?: string;
  action?: string;
}

export interface PageRequest {
  cursor?: string;
  limit?: number;
}

export interface ListedMailboxView {
  address: string;
  type: MailboxType;
  status: MailboxStatus;
  ownerIdnat: string;
  structureIdnat: string | null;
  situationId: string | null;
  listeRouge: boolean;
  description: string | null;
  service: string | null;
  createdAt: string;
  closedAt: string | null;
  releasedAt: string | null;
}

export interface AuditEntryView {
  id: number;
  at: string;
  principal: string | null;
  mailbox: string | null;
  action: string;
  channel: string;
  clientId: string | null;
  outcome: 'allowed' | 'denied';
  reason: string;
  role: string | null;
}

export const AUDIT_CHANNELS = ['imap', 'smtp', 'webmail', 'admin-api', 'cli', 'ldap', 'system'] as const;
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

const filterError = (field: string, message: string) => new GovernanceError('invalid-filter', `${field}: ${message}`, { field });

/**
 * An instant from `YYYY-MM-DD` or an ISO 8601 date-time with a zone. A bare day is its first
 * instant (UTC) as a lower bound and the first instant of the next day as an upper one, so that
 * `to=2026-01-31` includes the 31st.
 */
export function periodBound(value: string, field: string, upper: boolean): string {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]) - 1, Number(day[3])];
    const start = new Date(Date.UTC(y, m, d));
    if (start.getUTCFullYear() !== y || start.getUTCMonth() !== m || start.getUTCDate() !== d)
      throw filterError(field, `"${value}" is not a calendar day`);
    return new Date(Date.UTC(y, m, d + (upper ? 1 : 0))).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value))
    throw filterError(field, `"${value}" is neither YYYY-MM-DD nor an ISO 8601 date-time with a zone (2026-01-31T08:00:00Z)`);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw filterError(field, `"${value}" is not a valid date-time`);
  return d.toISOString();
}

function period(from: string | undefined, to: string | undefined, fromField: string, toField: string) {
  const lo = from === undefined ? undefined : periodBound(from, fromField, false);
  const hi = to === undefined ? undefined : periodBound(to, toField, true);
  if (lo !== undefined && hi !== undefined && lo > hi) throw filterError(toField, `the period ends (${hi}) before it begins (${lo})`);
  return { lo, hi };
}

function text(value: string | undefined, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0) throw filterError(field, 'must not be empty (leave it out to match all)');
  if (value.length > max) throw filterError(field, `at most ${max} characters`);
  return value;
}

/** A person's or structure's IdNat, as mailboxes are attached to either. */
function ownerIdnat(value: string, field: string): string {
  const person = checkIdNatPerson(value, field);
  if (person.ok) return person.value.idnat;
  const structure = checkIdNatStructure(value, field);
  if (structure.ok) return structure.value.idnat;
  throw filterError(
    field,
    `"${value}" is neither a person's IdNat (${person.error.message}) nor a structure's (${structure.error.message})`,
  );
}

export function checkMailboxSearch(s: MailboxSearch): MailboxListingFilter {
  const out: MailboxListingFilter = {};
  if (s.type !== undefined) {
    const t = s.type.toUpperCase();
    if (!isMailboxType(t)) throw filterError('type', `"${s.type}" is not PER, ORG, APP or CAB`);
    out.type = t;
  }
  if (s.status !== undefined) {
    if (!isMailboxStatus(s.status)) throw filterError('status', `"${s.status}" is not active, suspended or closed`);
    out.status = s.status;
  }
  if (s.owner !== undefined) out.ownerIdnat = ownerIdnat(s.owner, 'owner');
  if (s.structure !== undefined) {
    const r = checkIdNatStructure(s.structure, 'structure');
    if (!r.ok) throw filterError('structure', r.error.message);
    out.structureIdnat = r.value.idnat;
  }
  if (s.listeRouge !== undefined) out.listeRouge = s.listeRouge;
  const address = text(s.address, 'address', 254);
  if (address !== undefined) out.addressContains = address;
  const created = period(s.createdFrom, s.createdTo, 'createdFrom', 'createdTo');
  if (created.lo) out.createdFrom = created.lo;
  if (created.hi) out.createdTo = created.hi;
  const closed = period(s.closedFrom, s.closedTo, 'closedFrom', 'closedTo');
  if (closed.lo) out.closedFrom = closed.lo;
  if (closed.hi) out.closedTo = closed.hi;
  return out;
}

export function checkAuditSearch(s: AuditSearch): AuditFilter {
  const out: AuditFilter = {};
  if (s.principal !== undefined) {
    // The trail's principal column: a person, the administrator or an APP's certificate.
    if (/^operator-admin:[^\s]{1,100}$/.test(s.principal) || /^certificate:[0-9A-Fa-f]{1,64}$/.test(s.principal)) out.idnat = s.principal;
    else {
      const r = checkIdNatPerson(s.principal, 'principal');
      if (!r.ok)
        throw filterError(
          'principal',
          `${r.error.message}; or operator-admin:<name>, or certificate:<serial> for an APP mailbox's software`,
        );
      out.idnat = r.value.idnat;
    }
  }
  const mailbox = text(s.mailbox, 'mailbox', 254);
  if (mailbox !== undefined) out.mailbox = mailbox;
  const p = period(s.from, s.to, 'from', 'to');
  if (p.lo) out.from = p.lo;
  if (p.hi) out.to = p.hi;
  if (s.outcome !== undefined) {
    if (s.outcome !== 'allowed' && s.outcome !== 'denied') throw filterError('outcome', `"${s.outcome}" is not allowed or denied`);
    out.outcome = s.outcome;
  }
  if (s.channel !== undefined) {
    if (!(AUDIT_CHANNELS as readonly string[]).includes(s.channel))
      throw filterError('channel', `"${s.channel}" is not one of ${AUDIT_CHANNELS.join(', ')}`);
    out.channel = s.channel;
  }
  const action = text(s.action, 'action', 60);
  if (action !== undefined) out.action = action;
  return out;
}

/**
 * A cursor names the last row of a page (its time and id) and the filters it was issued for:
 * base64url of a small JSON. It is only a position, never a right — every page is decided
 * again — but one issued for other filters, or for the other listing, is refused rather than
 * silently mixed.
 */
function filterDigest(kind: 'mailboxes' | 'audit', filter: object): string {
  const canonical = JSON.stringify(Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(`${kind}\n${canonical}`).digest('base64url').slice(0, 16);
}

export function encodeCursor(kind: 'mailboxes' | 'audit', filter: object, key: ListingKey): string {
  return Buffer.from(JSON.stringify({ k: kind[0], t: key.at, i: key.id, f: filterDigest(kind, filter) })).toString('base64url');
}

export function decodeCursor(kind: 'mailboxes' | 'audit', filter: object, cursor: string): ListingKey {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw new Error('charset');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new GovernanceError(
      'invalid-cursor',
      'cursor: not a cursor this API issued (copy the `next` value of the previous page unchanged)',
    );
  }
  const c = parsed as { k?: unknown; t?: unknown; i?: unknown; f?: unknown };
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.t !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/.test(c.t) ||
    typeof c.i !== 'number' ||
    !Number.isSafeInteger(c.i) ||
    c.i < 0 ||
    typeof c.f !== 'string'
  )
    throw new GovernanceError(
      'invalid-cursor',
      'cursor: not a cursor this API issued (copy the `next` value of the previous page unchanged)',
    );
  if (c.k !== kind[0]) throw new GovernanceError('invalid-cursor', `cursor: issued for another listing, not for ${kind}`);
  if (c.f !== filterDigest(kind, filter))
    throw new GovernanceError(
      'invalid-cursor',
      'cursor: issued for other filters; send the same filters as the first page, or start again',
    );
  return { at: c.t, id: c.i };
}

function listedView(r: ListedMailbox): ListedMailboxView {
  return {
    address: r.address,
    type: r.type,
    status: r.status,
    ownerIdnat: r.owner_idnat,
    structureIdnat: r.structure_idnat,
    situationId: r.situation_id,
    listeRouge: r.liste_rouge === 1,
    description: r.description,
    service: r.service,
    createdAt: r.created_at,
    closedAt: r.closed_at,
    releasedAt: r.released_at,
  };
}

function auditView(r: AccessAuditRow): AuditEntryView {
  return {
    id: Number(r.id),
    at: r.at,
    principal: r.idnat,
    mailbox: r.mailbox,
    action: r.action,
    channel: r.channel,
    clientId: r.client_id,
    outcome: r.outcome,
    reason: r.reason,
    role: r.role,
  };
}

/**
 * What the operator's staff read across every mailbox: the listing of all mailboxes and the
 * audit trail of access decisions. Both are operator-wide actions, decided (and so audited) by
 * @mss/access before anything is read or any filter is looked at; only the operator's
 * administrators are allowed. Pages are keyset pages (see the store's `page` methods).
 */
export class Oversight {
  private readonly store: Store;
  private readonly access: AccessControl;

  constructor(options: { store: Store; access: AccessControl }) {
    this.store = options.store;
    this.access = options.access;
  }

  private async allow(actor: Principal, action: 'list-mailboxes' | 'read-audit', what: string): Promise<void> {
    const d = await this.access.decideOperator({ principal: actor, action, channel: 'admin-api' });
    if (!d.allowed) throw new GovernanceError('forbidden', `only the operator's administrators ${what}`, { reason: d.reason });
  }

  /** `checkRequest` runs once the decision allowed it: the caller's own refusal of the request's shape (a schema's). */
  async listMailboxes(
    actor: Principal,
    search: MailboxSearch,
    page: PageRequest,
    checkRequest: () => void = () => {},
  ): Promise<{ mailboxes: ListedMailboxView[]; next: string | null }> {
    await this.allow(actor, 'list-mailboxes', 'list every mailbox');
    checkRequest();
    const filter = checkMailboxSearch(search);
    const limit = page.limit ?? DEFAULT_PAGE;
    const after = page.cursor === undefined ? undefined : decodeCursor('mailboxes', filter, page.cursor);
    const rows = await this.store.mailboxListing.page(filter, after, limit);
    const last = rows.at(-1);
    return {
      mailboxes: rows.map(listedView),
      next: rows.length === limit && last ? encodeCursor('mailboxes', filter, { at: last.created_at, id: Number(last.id) }) : null,
    };
  }

  async readAudit(
    actor: Principal,
    search: AuditSearch,
    page: PageRequest,
    checkRequest: () => void = () => {},
  ): Promise<{ entries: AuditEntryView[]; next: string | null }> {
    await this.allow(actor, 'read-audit', 'read the audit trail');
    checkRequest();
    const filter = checkAuditSearch(search);
    const limit = page.limit ?? DEFAULT_PAGE;
    const after = page.cursor === undefined ? undefined : decodeCursor('audit', filter, page.cursor);
    const rows = await this.store.audit.page(filter, after, limit);
    const last = rows.at(-1);
    return {
      entries: rows.map(auditView),
      next: rows.length === limit && last ? encodeCursor('audit', filter, { at: last.at, id: Number(last.id) }) : null,
    };
  }
}
