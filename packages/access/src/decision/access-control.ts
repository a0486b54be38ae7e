import { ACTIONS_ON_CLOSED, may, mayOperate, type MailboxRole, type MailboxType } from '@mss/domain';
import { silentLogger, type Logger, type ServiceEvents } from '@mss/runtime';
import { MailboxScope, type Repositories, type Store } from '@mss/store';
import type {
  Channel,
  CreationRequest,
  Decision,
  DecisionRequest,
  DenyReason,
  IndicatorDecision,
  OperatorRequest,
  PlainDecision,
  Principal,
} from './types.ts';
import { RevocationBus } from './revocation.ts';

export interface AccessControlOptions {
  store: Store;
  logger?: Logger;
  /** Base URL the CGU acceptance links are made from (the operator's web front). */
  publicBaseUrl?: string;
  bus?: RevocationBus;
  /** Each audited outcome, for the operator's metrics. */
  events?: ServiceEvents;
}

/** What the audit trail records of a request, whichever kind it is. */
interface AuditedRequest {
  principal: Principal;
  mailbox: string | null;
  action: string;
  channel: Channel;
  clientId?: string | null;
}

/**
 * The one place that decides whether a principal may do an action on a mailbox (R-AUTH-2 and
 * the role table of §5). Every decision, allowed or not, is written to the audit trail before
 * it is returned; nothing else in the code base answers this question.
 */
export class AccessControl {
  private readonly store: Store;
  readonly bus: RevocationBus;
  private readonly logger: Logger;
  private readonly publicBaseUrl: string;
  private readonly events: ServiceEvents | undefined;

  constructor(options: AccessControlOptions) {
    this.store = options.store;
    this.logger = options.logger ?? silentLogger();
    this.publicBaseUrl = (options.publicBaseUrl ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    this.bus = options.bus ?? new RevocationBus(options.store.bus);
    this.events = options.events;
  }

  /** Decides, audits, and on allow hands back the capability on that mailbox (`scope`, bound to the store). */
  async decide(req: DecisionRequest): Promise<Decision> {
    const decision = await this.evaluate(this.store, req);
    await this.audit(req, decision);
    return decision;
  }

  /**
   * Whether the principal may create this mailbox, by the role they would have on it (the
   * 'create' row of the role table): the future PER holder or CAB owner themselves, or the
   * operator's administrators. Audited like every decision.
   */
  async decideCreation(req: CreationRequest): Promise<PlainDecision> {
    const p = req.principal;
    const personal = req.type === 'PER' ? 'holder' : req.type === 'CAB' ? 'owner' : null;
    const role: MailboxRole | null =
      p.kind === 'operator-admin' ? 'operator-admin' : p.kind === 'person' && req.ownerIdnat === p.idnat ? personal : null;
    const who = principalName(p);
    let decision: PlainDecision = !role
      ? { allowed: false, reason: 'no-right', detail: `${who} would hold no role on this ${req.type} mailbox` }
      : may(role, 'create', req.type)
        ? { allowed: true, role }
        : { allowed: false, reason: 'action-not-allowed', detail: `a ${role} may not create a ${req.type} mailbox` };
    // R-CAB-1: the owner of a CAB is the operator's customer and has accepted its terms — checked
    // when the CAB is created (by the owner or by the operator for them), not only at first access.
    if (decision.allowed && req.type === 'CAB' && req.ownerIdnat) {
      const refusal = await this.cguRefusal(this.store, req.ownerIdnat);
      if (refusal) decision = { allowed: false, reason: 'cgu-not-accepted', detail: refusal.detail, cguUrl: refusal.cguUrl };
    }
    await this.audit({ ...req, action: 'create' }, decision);
    return decision;
  }

  /** Why this person may not act yet for want of the CGU in force (R-CAB-4), or null when they may. */
  private async cguRefusal(repos: Repositories, idnat: string): Promise<{ detail: string; cguUrl: string } | null> {
    const cgu = await repos.cgu.current();
    if (!cgu || (await repos.cgu.acceptance(idnat, cgu.version))) return null;
    return {
      detail: `the terms of use version ${cgu.version} must be accepted first`,
      cguUrl: `${this.publicBaseUrl}${cgu.url.startsWith('/') ? cgu.url : `/${cgu.url}`}`,
    };
  }

  /** Whether the principal may do an operator-wide action (OPERATOR_TABLE), audited with no mailbox. */
  async decideOperator(req: OperatorRequest): Promise<PlainDecision> {
    const actor = req.principal.kind === 'operator-admin' ? 'operator-admin' : 'person';
    const decision: PlainDecision = mayOperate(actor, req.action)
      ? { allowed: true, role: 'operator-admin' }
      : { allowed: false, reason: 'action-not-allowed', detail: `only the operator's administrators may ${req.action}` };
    await this.audit({ ...req, mailbox: null }, decision);
    return decision;
  }

  /**
   * Which indicator rows the principal may read (R-IND-1): the operator's administrators every
   * row (`read-indicators`), a person (PSC or a structure's local staff) the rows counted for them (`read-own-indicators`), an APP's
   * software none. Audited with no mailbox, under the action that was granted or asked for.
   */
  async decideIndicators(req: { principal: Principal; channel: Channel; clientId?: string | null }): Promise<IndicatorDecision> {
    const p = req.principal;
    const decision: IndicatorDecision =
      p.kind === 'operator-admin' && mayOperate('operator-admin', 'read-indicators')
        ? { allowed: true, role: 'operator-admin', only: null }
        : (p.kind === 'person' || p.kind === 'local-person') && mayOperate('person', 'read-own-indicators')
          ? { allowed: true, role: 'self', only: p.idnat }
          : { allowed: false, reason: 'action-not-allowed', detail: `${principalName(p)} may not read the indicators` };
    const action = p.kind === 'operator-admin' ? 'read-indicators' : 'read-own-indicators';
    await this.audit({ ...req, mailbox: null, action }, decision);
    return decision;
  }

  /**
   * The same decision, read inside a caller's transaction so that the check and the change it
   * guards see one state. The caller must pass the decision to `audit()` once the transaction
   * is over (committed or not): writing it from inside would lose it on rollback.
   */
  async decideWithin(tx: Repositories, req: DecisionRequest): Promise<Decision> {
    return this.evaluate(tx, req);
  }

  /**
   * Records a refused client certificate in the same trail, with its serial as the principal when
   * one was presented; the reason is `invalid-certificate:<code>`.
   */
  async recordCertificateFailure(req: { serial: string | null; mailbox: string | null; channel: Channel; code: string }): Promise<void> {
    await this.appendAudit({
      idnat: req.serial === null ? null : principalName({ kind: 'application', serial: req.serial, mailbox: '' }),
      mailbox: req.mailbox,
      action: 'authenticate',
      channel: req.channel,
      client_id: null,
      outcome: 'denied',
      reason: `invalid-certificate:${req.code}`,
      role: null,
    });
    this.events?.decision?.(req.channel, 'denied');
    this.logger.info({ channel: req.channel, mailbox: req.mailbox, serial: req.serial, reason: req.code }, 'client certificate refused');
  }

  /** Records a refused token (no person known) in the same trail, so failed logins are visible. */
  async recordTokenFailure(req: { mailbox: string | null; channel: Channel; clientId?: string | null; code: string }): Promise<void> {
    await this.appendAudit({
      idnat: null,
      mailbox: req.mailbox,
      action: 'authenticate',
      channel: req.channel,
      client_id: req.clientId ?? null,
      outcome: 'denied',
      reason: `invalid-token:${req.code}`,
      role: null,
    });
    this.events?.decision?.(req.channel, 'denied');
    this.logger.info({ channel: req.channel, mailbox: req.mailbox, reason: req.code }, 'token refused');
  }

  private async evaluate(repos: Repositories, req: DecisionRequest): Promise<Decision> {
    const deny = (
      reason: DenyReason,
      detail: string,
      extra: { cguUrl?: string; mailboxId?: number; mailboxType?: MailboxType } = {},
    ): Decision => ({
      allowed: false,
      reason,
      detail,
      ...extra,
    });
    const mailbox = await repos.mailboxes.byAddress(req.mailbox);
    if (!mailbox) return deny('unknown-mailbox', `no mailbox ${req.mailbox} at this operator`);
    const type = mailbox.type as MailboxType;
    const known = { mailboxId: mailbox.id, mailboxType: type };
    const allow = (role: MailboxRole): Decision => ({
      allowed: true,
      role,
      mailboxId: mailbox.id,
      mailboxType: type,
      address: mailbox.address,
      scope: new MailboxScope(repos, mailbox),
    });
    // A closed or suspended mailbox keeps its history readable by those who govern it (R-BAL-2).
    const historyOnly = req.action === 'read-history';

    if (req.principal.kind === 'operator-admin') {
      // Closed is final: its history stays readable, and its address may be released (R-BAL-2).
      if (mailbox.status === 'closed' && !ACTIONS_ON_CLOSED.includes(req.action))
        return deny('mailbox-closed', `mailbox ${mailbox.address} is closed`, known);
      if (mailbox.status === 'suspended' && req.action !== 'change-status' && !historyOnly) {
        return deny('mailbox-suspended', `mailbox ${mailbox.address} is suspended`, known);
      }
      return may('operator-admin', req.action, type)
        ? allow('operator-admin')
        : deny('action-not-allowed', `the operator's administrators may not ${req.action} on a ${type} mailbox`, known);
    }

    // Decide, then reveal: a principal with no role learns nothing of the mailbox — not its type,
    // not that it is closed or suspended (R-AUTH-3); callers answer as for an unknown mailbox.
    if (req.principal.kind === 'application') {
      // The software holds the role on the one mailbox its certificate names; the role table
      // gives that role to APP mailboxes only. No CGU: terms are accepted by persons (R-CAB-4),
      // here the APP's responsible persons.
      const certified = req.principal.mailbox.toLowerCase() === mailbox.address.toLowerCase();
      if (!certified)
        return deny('no-right', `certificate ${req.principal.serial} names ${req.principal.mailbox}, not ${mailbox.address}`, {
          mailboxId: mailbox.id,
        });
      if (mailbox.status === 'closed' && !historyOnly) return deny('mailbox-closed', `mailbox ${mailbox.address} is closed`, known);
      if (mailbox.status === 'suspended' && !historyOnly)
        return deny('mailbox-suspended', `mailbox ${mailbox.address} is suspended`, known);
      return may('application', req.action, type)
        ? allow('application')
        : deny('action-not-allowed', `a certificate opens APP mailboxes only, not a ${type} mailbox`, known);
    }

    let roles: MailboxRole[];
    if (req.principal.kind === 'local-person') {
      // A structure's identity provider vouches for its own staff on its own ORG mailboxes only
      // (issue #20 rule 6), and only for those the ORG's responsible persons declared there: not
      // on a PER, a CAB or an APP, not on another structure's ORG — answered as having no role.
      const own = type === 'ORG' && mailbox.owner_idnat === `1${req.principal.finess}`;
      const declared = own && (await repos.localPersons.inForce(mailbox.id, req.principal.idnat)) !== undefined;
      if (!declared)
        return deny('no-right', `${req.principal.idnat} (${req.principal.issuer}) is not declared on ${mailbox.address}`, {
          mailboxId: mailbox.id,
        });
      roles = ['local-person'];
    } else {
      roles = await this.rolesOf(repos, mailbox.id, req.principal.idnat);
    }
    const idnat = req.principal.idnat;
    if (roles.length === 0) return deny('no-right', `${idnat} holds no role on ${mailbox.address}`, { mailboxId: mailbox.id });
    if (mailbox.status === 'closed' && !historyOnly) return deny('mailbox-closed', `mailbox ${mailbox.address} is closed`, known);
    if (mailbox.status === 'suspended' && !historyOnly) return deny('mailbox-suspended', `mailbox ${mailbox.address} is suspended`, known);
    const role = roles.find((r) => may(r, req.action, type));
    if (!role) return deny('action-not-allowed', `${roles.join('/')} may not ${req.action} on a ${type} mailbox`, known);

    // R-AUTH-2 / R-CAB-4: the current CGU must be accepted before any access.
    const cgu = await this.cguRefusal(repos, idnat);
    if (cgu) return deny('cgu-not-accepted', cgu.detail, { cguUrl: cgu.cguUrl, ...known });
    return allow(role);
  }

  /** The person's roles on a mailbox now: holder rows, then an active delegation. */
  private async rolesOf(repos: Repositories, mailboxId: number, idnat: string): Promise<MailboxRole[]> {
    const roles: MailboxRole[] = (await repos.mailboxes.holders(mailboxId)).filter((h) => h.person_idnat === idnat).map((h) => h.role);
    const delegations = await repos.mailboxes.activeDelegations(mailboxId);
    if (delegations.some((d) => d.delegate_idnat === idnat)) roles.push('delegate');
    return roles;
  }

  /**
   * One row of the trail, committed with whatever else is being written at the moment (the
   * store's group commit: one commit and one fsync, off the event loop, for a burst of decisions
   * and deliveries; and, with several workers on one SQLite file, in turn with them under the
   * write token rather than in SQLite's busy wait). Resolves once the row is durable.
   */
  private appendAudit(row: Parameters<Repositories['audit']['append']>[0]): Promise<unknown> {
    return this.store.groupTransaction((tx) => tx.audit.append(row));
  }

  async audit(req: AuditedRequest, d: Decision | PlainDecision | IndicatorDecision): Promise<void> {
    await this.appendAudit({
      idnat: principalName(req.principal),
      mailbox: req.mailbox,
      action: req.action,
      channel: req.channel,
      client_id: req.clientId ?? null,
      outcome: d.allowed ? 'allowed' : 'denied',
      reason: d.allowed ? d.role : d.reason,
      role: d.allowed ? d.role : null,
    });
    this.events?.decision?.(req.channel, d.allowed ? 'allowed' : 'denied');
    this.logger.info(
      {
        channel: req.channel,
        mailbox: req.mailbox,
        action: req.action,
        outcome: d.allowed ? 'allowed' : 'denied',
        reason: d.allowed ? d.role : d.reason,
      },
      'access decision',
    );
  }
}

/** Who acted, as the audit trail's principal column holds it (a structure's staff by their `3`+FINESS+`/`… IdNat). */
function principalName(p: Principal): string {
  if (p.kind === 'person' || p.kind === 'local-person') return p.idnat;
  if (p.kind === 'operator-admin') return `operator-admin:${p.name}`;
  return `certificate:${p.serial}`;
}
