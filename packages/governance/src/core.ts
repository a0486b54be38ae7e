// What every governance operation stands on: the store, the decision point and the operator's
// settings, the transaction an operation runs in (decided, audited, retried on a serialisation
// failure), the checks of the directory several operations share, and the view of a mailbox.

import { DEFAULT_GOVERNANCE_LIMITS, type GovernanceLimits, checkIdNatPerson, type MailboxAction, type MailboxType } from '@mss/domain';
import type { AccessControl, Decision, DecisionRequest, Principal } from '@mss/access';
import { silentLogger, type Logger } from '@mss/runtime';
import type { MailboxRow, MailboxScope, Repositories, Store } from '@mss/store';
import { denial } from './denial.ts';
import { GovernanceError } from './errors.ts';
import { toView, type MailboxView } from './views.ts';

export interface GovernanceOptions {
  store: Store;
  access: AccessControl;
  operatorDomains: readonly string[];
  logger?: Logger;
  /** The operator's own settings (cotitulaires per CAB, address release delay); defaults from @mss/domain. */
  limits?: Partial<GovernanceLimits>;
}

export const actorName = (p: Principal): string =>
  p.kind === 'person' || p.kind === 'local-person' ? p.idnat : p.kind === 'application' ? `certificate:${p.serial}` : 'operator-admin';

export function personIdnat(value: string, field: string): string {
  const r = checkIdNatPerson(value, field);
  if (!r.ok) throw new GovernanceError('invalid-identifier', r.error.message, { field, rule: r.error.rule });
  return r.value.idnat;
}

/** What an allowed decision hands governance: the role, and the capability on that one mailbox. */
type Allowed = Extract<Decision, { allowed: true }>;
/** Asks the decision point about one mailbox inside the change's transaction; throws the refusal. */
export type Check = (address: string, action: MailboxAction) => Promise<Allowed>;

export class GovernanceCore {
  readonly store: Store;
  readonly access: AccessControl;
  readonly domains: readonly string[];
  readonly logger: Logger;
  readonly limits: GovernanceLimits;

  constructor(options: GovernanceOptions) {
    this.store = options.store;
    this.access = options.access;
    this.domains = options.operatorDomains;
    this.logger = options.logger ?? silentLogger();
    this.limits = { ...DEFAULT_GOVERNANCE_LIMITS, ...options.limits };
  }

  /**
   * Runs one governance change in a transaction, serialisable on PostgreSQL and retried on a
   * serialisation failure, so that two concurrent changes end in one consistent state. Access
   * decisions taken inside are audited afterwards, whether the change committed or not.
   */
  async change<T>(actor: Principal, fn: (tx: Repositories, check: Check) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const decisions: [DecisionRequest, Decision][] = [];
      try {
        return await this.store.transaction(
          (tx) =>
            fn(tx, async (address, action) => {
              const req: DecisionRequest = { principal: actor, mailbox: address, action, channel: 'admin-api' };
              const d = await this.access.decideWithin(tx, req);
              decisions.push([req, d]);
              if (!d.allowed) throw denial(d, address, action);
              return d;
            }),
          { serializable: true },
        );
      } catch (err) {
        if (isSerializationFailure(err)) {
          if (attempt < 5) {
            decisions.length = 0;
            continue;
          }
          throw new GovernanceError('conflict', 'concurrent changes to the same mailbox kept winning; retry');
        }
        throw err;
      } finally {
        for (const [req, d] of decisions) await this.access.audit(req, d);
      }
    }
  }

  /**
   * The prelude of every operation on one mailbox: a change in which the decision point is asked
   * about `address` first, before anything of the mailbox is read, so that a principal without
   * the right learns nothing of it (not whether it exists, is closed, is a CAB or is delegable:
   * the refusal is the same; docs/choices.md). `fn` then works through the mailbox's scope.
   */
  withMailbox<T>(
    actor: Principal,
    address: string,
    action: MailboxAction,
    fn: (box: MailboxScope, tx: Repositories) => Promise<T>,
  ): Promise<T> {
    return this.change(actor, async (tx, check) => fn((await check(address, action)).scope, tx));
  }

  // --- checks several operations share -------------------------------------------------------

  /**
   * A situation d'exercice a mailbox may be attached to: one of its owner's own (R-ANN-1). A CAB
   * is for a liberal practice without FINESS (R-CAB-1): a situation at a structure with a FINESS
   * (a salaried hospital doctor's) is refused with the type that fits there, ORG.
   */
  async requireOwnSituation(tx: Repositories, type: MailboxType, ownerIdnat: string, situationId: string) {
    const sit = await tx.directory.situation(situationId);
    if (!sit || sit.person_idnat !== ownerIdnat)
      throw new GovernanceError('invalid-input', `situation ${situationId} is not one of ${ownerIdnat}'s situations d'exercice`, {
        field: 'situationId',
      });
    if (sit.end_date && sit.end_date < this.store.now().toISOString().slice(0, 10))
      throw new GovernanceError('invalid-input', `situation ${situationId} ended on ${sit.end_date}`, { field: 'situationId' });
    if (type === 'CAB' && sit.structure_idnat) {
      const structure = await tx.directory.structure(sit.structure_idnat);
      if (structure?.id_type === 'FINESS')
        throw new GovernanceError(
          'cab-with-finess',
          `situation ${situationId} is at ${structure.name} (FINESS ${structure.finess}): a CAB is for a liberal practice without FINESS (R-CAB-1); ` +
            'a structure with a FINESS holds ORG mailboxes, created by the operator for that structure',
          { field: 'situationId', rule: 'R-CAB-1', suggestedType: 'ORG' },
        );
    }
    return sit;
  }

  async requirePerson(tx: Repositories, idnat: string, field: string) {
    const p = await tx.directory.person(idnat);
    if (!p || p.kind === 'PATIENT') throw new GovernanceError('not-in-directory', `${idnat} is not in the directory (R-ID-2)`, { field });
    return p;
  }

  /**
   * A person every one of whose situations d'exercice has ended is no longer active in the
   * directory (R-ENR-1): no new delegation or cotitularity. Checked against the operator's copy,
   * which follows the Annuaire's change feed; a person with no situation recorded is not refused.
   */
  async requireActive(tx: Repositories, idnat: string, field: string, rule: string): Promise<void> {
    const today = this.store.now().toISOString().slice(0, 10);
    const situations = await tx.directory.situationsOf(idnat);
    if (situations.length === 0 || situations.some((s) => s.end_date === null || s.end_date > today)) return;
    const last = situations
      .map((s) => s.end_date as string)
      .sort()
      .at(-1);
    throw new GovernanceError(
      'person-inactive',
      `${idnat} is no longer active in the directory: every situation d'exercice has ended (the last on ${last}; R-ENR-1), so ${rule} refuses it`,
      { field, rule },
    );
  }

  async requireProfessional(tx: Repositories, idnat: string, field: string): Promise<void> {
    const p = await this.requirePerson(tx, idnat, field);
    if (p.kind !== 'PS')
      throw new GovernanceError(
        'not-a-professional',
        `${idnat} is registered as ${p.kind.toLowerCase().replace('_', ' ')}, not as a health professional`,
        { field },
      );
  }

  /** Whether the actor may also govern the mailbox (what the view shows them); not audited: nothing is done with it. */
  async canQuietly(tx: Repositories, actor: Principal, address: string, action: MailboxAction): Promise<boolean> {
    return (await this.access.decideWithin(tx, { principal: actor, mailbox: address, action, channel: 'admin-api' })).allowed;
  }

  async view(box: MailboxScope, row: MailboxRow, withDelegations: boolean): Promise<MailboxView> {
    return toView(row, await box.holders(), withDelegations ? await box.activeDelegations() : undefined);
  }
}

function isSerializationFailure(err: unknown): boolean {
  return !!err && typeof err === 'object' && ((err as { code?: unknown }).code === '40001' || (err as { code?: unknown }).code === '40P01');
}
