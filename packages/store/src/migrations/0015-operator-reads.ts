import type { MssMigration } from './types.ts';

/**
 * The indexes behind the operator's two reads of everything: the listing of all mailboxes and
 * the audit trail (docs/choices.md, "Operator listings"). Both are read in a fixed order that
 * a later write cannot change — mailboxes by (created_at, id), audit rows by (at, id) — so that
 * keyset pages neither skip nor repeat; each filter an administrator uses has an index that
 * gives its rows already in that order, and a page stops after its limit.
 */
export const operatorReads: MssMigration = {
  name: '0015-operator-reads',
  async up(db) {
    const index = (name: string, table: string, columns: string[]) => db.schema.createIndex(name).on(table).columns(columns).execute();
    await index('mailboxes_created', 'mailboxes', ['created_at', 'id']);
    await index('mailboxes_type_created', 'mailboxes', ['type', 'created_at', 'id']);
    await index('mailboxes_status_created', 'mailboxes', ['status', 'created_at', 'id']);
    await index('mailboxes_owner_created', 'mailboxes', ['owner_idnat', 'created_at', 'id']);
    await index('mailboxes_situation', 'mailboxes', ['situation_id']);
    await index('mailboxes_closed', 'mailboxes', ['closed_at']);
    // The audit's former (idnat, id) and (mailbox, id) are superseded by the same with `at`.
    await db.schema.dropIndex('access_audit_idnat').execute();
    await db.schema.dropIndex('access_audit_mailbox').execute();
    await index('access_audit_at', 'access_audit', ['at', 'id']);
    await index('access_audit_idnat_at', 'access_audit', ['idnat', 'at', 'id']);
    await index('access_audit_mailbox_at', 'access_audit', ['mailbox', 'at', 'id']);
    await index('access_audit_outcome_at', 'access_audit', ['outcome', 'at', 'id']);
  },
};
