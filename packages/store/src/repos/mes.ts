import type { MesConversationEventRow, MesConversationRow, MesPatientRow, MesPatientsTable } from '../schema.ts';
import { chunkRows, isoNow, type RepoContext } from './executor.ts';

export type NewMesPatient = Omit<MesPatientsTable, 'created_at'>;

export interface MesEvent {
  ins: string;
  /** The professional's address (any case: stored lower case). */
  professional: string;
  /** What happened, e.g. `professional-wrote`, `ended`, `patient-wrote`, `mdn-sent`. */
  event: string;
  /** The conversation's state after it; undefined keeps the current one (or `open` for a new conversation). */
  state?: 'open' | 'ended';
  messageId?: number | null;
  detail?: string | null;
}

/**
 * Mon Espace Santé's facts (the MES stand-in's store only): patients and their identity traits,
 * and per (patient, professional address) a conversation with its state and append-only history.
 * The rules that move the state (R-MES-1, R-MES-2) live in the stand-in; this only stores them.
 */
export class MesRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  /** Bulk insert for the seed; a patient already known is left alone. */
  async insertPatients(patients: readonly NewMesPatient[]): Promise<void> {
    const at = isoNow(this.ctx);
    for (const chunk of chunkRows(patients, 10)) {
      await this.ctx.db
        .insertInto('mes_patients')
        .values(chunk.map((p) => ({ ...p, created_at: at })))
        .onConflict((oc) => oc.column('ins').doNothing())
        .execute();
    }
  }

  async patient(ins: string): Promise<MesPatientRow | undefined> {
    return this.ctx.db.selectFrom('mes_patients').selectAll().where('ins', '=', ins).executeTakeFirst();
  }

  /** Patients whose birth name and birth date are these (how an identity from FranceConnect is matched). */
  async patientsByIdentity(birthName: string, birthDate: string): Promise<MesPatientRow[]> {
    return this.ctx.db
      .selectFrom('mes_patients')
      .selectAll()
      .where('birth_name', '=', birthName)
      .where('birth_date', '=', birthDate)
      .orderBy('ins')
      .execute();
  }

  async patients(page: { afterIns?: string; limit?: number } = {}): Promise<MesPatientRow[]> {
    let q = this.ctx.db.selectFrom('mes_patients').selectAll().orderBy('ins');
    if (page.afterIns !== undefined) q = q.where('ins', '>', page.afterIns);
    return q.limit(page.limit ?? 100).execute();
  }

  async countPatients(): Promise<number> {
    const r = await this.ctx.db
      .selectFrom('mes_patients')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async conversation(ins: string, professional: string): Promise<MesConversationRow | undefined> {
    return this.ctx.db
      .selectFrom('mes_conversations')
      .selectAll()
      .where('ins', '=', ins)
      .where('professional', '=', professional.toLowerCase())
      .executeTakeFirst();
  }

  /** A patient's conversations, the most recently changed first. */
  async conversations(ins: string): Promise<MesConversationRow[]> {
    return this.ctx.db
      .selectFrom('mes_conversations')
      .selectAll()
      .where('ins', '=', ins)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /**
   * Appends an event to the conversation of (patient, professional), creating the conversation
   * on its first event, and sets its state. Run it in the transaction that stores the message.
   */
  async record(e: MesEvent): Promise<{ conversation: MesConversationRow; event: MesConversationEventRow }> {
    const at = isoNow(this.ctx);
    const professional = e.professional.toLowerCase();
    let conversation = await this.conversation(e.ins, professional);
    const state = e.state ?? conversation?.state ?? 'open';
    if (!conversation) {
      conversation = await this.ctx.db
        .insertInto('mes_conversations')
        .values({ ins: e.ins, professional, state, opened_at: at, updated_at: at })
        .returningAll()
        .executeTakeFirstOrThrow();
    } else {
      conversation = await this.ctx.db
        .updateTable('mes_conversations')
        .set({ state, updated_at: at })
        .where('id', '=', conversation.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const event = await this.ctx.db
      .insertInto('mes_conversation_events')
      .values({
        conversation_id: conversation.id,
        at,
        event: e.event,
        state,
        message_id: e.messageId ?? null,
        detail: e.detail ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { conversation, event };
  }

  /** A conversation's history, oldest first. */
  async events(conversationId: number): Promise<MesConversationEventRow[]> {
    return this.ctx.db
      .selectFrom('mes_conversation_events')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id')
      .execute();
  }

  /** The event that recorded a message, if any (which conversation a stored message belongs to). */
  async eventOfMessage(messageId: number): Promise<(MesConversationEventRow & { ins: string; professional: string }) | undefined> {
    const row = await this.ctx.db
      .selectFrom('mes_conversation_events as e')
      .innerJoin('mes_conversations as c', 'c.id', 'e.conversation_id')
      .selectAll('e')
      .select(['c.ins', 'c.professional'])
      .where('e.message_id', '=', messageId)
      .orderBy('e.id')
      .executeTakeFirst();
    return row;
  }
}
