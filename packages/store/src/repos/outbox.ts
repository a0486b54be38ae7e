import type { DirectoryOutboxRow, MailboxRow } from '../schema.ts';
import { isoNow, type RepoContext } from './executor.ts';

/** What the directory should show of a mailbox: only what R-ANN-1/R-ANN-2 publish. */
export interface DirectoryPublication {
  address: string;
  type: 'PER' | 'ORG' | 'APP' | 'CAB';
  /** The person (PER, CAB owner) or structure (ORG, APP) the mailbox is attached to. */
  ownerIdnat: string;
  situationId: string | null;
  listeRouge: boolean;
  description: string | null;
  service: string | null;
  digitization: boolean;
}

/** The publication of a mailbox row: what governance enqueues and a full declaration sends. */
export function publicationOf(m: MailboxRow): DirectoryPublication {
  return {
    address: m.address,
    type: m.type,
    ownerIdnat: m.owner_idnat,
    situationId: m.situation_id,
    listeRouge: m.liste_rouge === 1,
    description: m.description,
    service: m.service,
    digitization: m.digitization === 1,
  };
}

/** The directory feed's outbox: enqueued inside governance transactions, drained by a sender. */
export class OutboxRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async enqueue(mailboxId: number, operation: 'publish' | 'withdraw', publication: DirectoryPublication): Promise<void> {
    await this.ctx.db
      .insertInto('directory_outbox')
      .values({
        at: isoNow(this.ctx),
        mailbox_id: mailboxId,
        address: publication.address,
        operation,
        payload: JSON.stringify(publication),
        attempts: 0,
        sent_at: null,
        last_error: null,
      })
      .execute();
  }

  async pending(limit = 100): Promise<DirectoryOutboxRow[]> {
    return this.ctx.db.selectFrom('directory_outbox').selectAll().where('sent_at', 'is', null).orderBy('id').limit(limit).execute();
  }

  async markSent(id: number): Promise<void> {
    await this.ctx.db
      .updateTable('directory_outbox')
      .set({ sent_at: isoNow(this.ctx) })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.ctx.db
      .updateTable('directory_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 500) }))
      .where('id', '=', id)
      .execute();
  }

  async forMailbox(mailboxId: number): Promise<DirectoryOutboxRow[]> {
    return this.ctx.db.selectFrom('directory_outbox').selectAll().where('mailbox_id', '=', mailboxId).orderBy('id').execute();
  }
}
