import type { LocalPersonRow } from '../schema.ts';
import { isoNow, isUniqueViolation, type RepoContext } from './executor.ts';
import { MssError } from '@mss/runtime';

export interface NewLocalPerson {
  mailboxId: number;
  idnat: string;
  name: string;
  roleLabel: string;
  addedBy: string;
}

/**
 * A structure's own staff declared on its ORG mailboxes (issue #20 rule 6). Facts only: who may
 * declare whom, and where a declaration opens anything, is @mss/access's and @mss/governance's.
 */
export class LocalPersonRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  /** Declares a person on a mailbox; one already in force there is refused (`LOCAL_PERSON_EXISTS`). */
  async add(p: NewLocalPerson): Promise<LocalPersonRow> {
    try {
      return await this.ctx.db
        .insertInto('local_persons')
        .values({
          mailbox_id: p.mailboxId,
          idnat: p.idnat,
          name: p.name,
          role_label: p.roleLabel,
          added_at: isoNow(this.ctx),
          added_by: p.addedBy,
          removed_at: null,
          removed_by: null,
          remove_reason: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err)) throw new MssError('LOCAL_PERSON_EXISTS', `${p.idnat} is already declared on this mailbox`);
      throw err;
    }
  }

  /** Ends the declaration in force; undefined when there is none. */
  async remove(mailboxId: number, idnat: string, by: string, reason: string | null): Promise<LocalPersonRow | undefined> {
    return this.ctx.db
      .updateTable('local_persons')
      .set({ removed_at: isoNow(this.ctx), removed_by: by, remove_reason: reason })
      .where('mailbox_id', '=', mailboxId)
      .where('idnat', '=', idnat)
      .where('removed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /** The declaration in force of this person on this mailbox. */
  async inForce(mailboxId: number, idnat: string): Promise<LocalPersonRow | undefined> {
    return this.ctx.db
      .selectFrom('local_persons')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .where('idnat', '=', idnat)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
  }

  /** A mailbox's declarations, in force only or with the removed ones, oldest first. */
  async ofMailbox(mailboxId: number, options: { includeRemoved?: boolean } = {}): Promise<LocalPersonRow[]> {
    let q = this.ctx.db.selectFrom('local_persons').selectAll().where('mailbox_id', '=', mailboxId);
    if (!options.includeRemoved) q = q.where('removed_at', 'is', null);
    return q.orderBy('id').execute();
  }

  /** Every declaration in force of a person (their mailboxes, for `GET /me/mailboxes` and CGU acceptance). */
  async inForceOf(idnat: string): Promise<LocalPersonRow[]> {
    return this.ctx.db
      .selectFrom('local_persons')
      .selectAll()
      .where('idnat', '=', idnat)
      .where('removed_at', 'is', null)
      .orderBy('id')
      .execute();
  }
}
