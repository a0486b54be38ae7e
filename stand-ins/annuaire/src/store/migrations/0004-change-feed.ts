import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { withId, type MssMigration } from '@mss/store/engine';

/**
 * The Annuaire's change feed (issue #15).
 *
 * - `directory_changes`: one row per change to a person, situation, structure or mailbox, in the
 *   order the changes committed (`id` is the feed's sequence), written by triggers so that every
 *   writer — the seed, the operators' feed, the RPPS+ portal — is captured. The triggers only
 *   write while `directory_feed.enabled` is 1 (`ChangeFeedRepo.enable()`, once the directory is
 *   seeded).
 * - `directory_feed`: the feed's epoch (a store that is recreated gets another one, so an old
 *   cursor is recognised as foreign), when it began and up to where it was pruned.
 *
 * The Annuaire's half of the store's former `0018-directory-changes` (the operator's half —
 * `situations.employer_idnat` and its cursor, `directory_sync` — is the store's `0018-directory-sync`).
 */
export const changeFeed: MssMigration = {
  name: '0004-change-feed',
  replaces: ['0018-directory-changes'],
  async up(db, engine) {
    await db.schema
      .createTable('directory_feed')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('epoch', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('enabled_at', 'text')
      .addColumn('pruned_through', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.insertInto('directory_feed').values({ id: 1, epoch: randomUUID(), enabled: 0, enabled_at: null, pruned_through: 0 }).execute();

    await withId(db.schema.createTable('directory_changes'), engine)
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('directory_changes_at').on('directory_changes').column('changed_at').execute();

    if (engine === 'sqlite') await sqliteTriggers(db);
    else await postgresTriggers(db);
  },
};

/** Which feed resources a row's change touches, as SQL `(type, id, condition)` over NEW/OLD. */
interface Touch {
  type: string;
  id: string;
  when?: string;
}

const TOUCHES: Record<string, { insert: Touch[]; update: Touch[] }> = {
  persons: {
    insert: [{ type: 'Practitioner', id: 'NEW.idnat', when: "NEW.kind <> 'PATIENT'" }],
    update: [{ type: 'Practitioner', id: 'NEW.idnat', when: "NEW.kind <> 'PATIENT'" }],
  },
  structures: {
    insert: [{ type: 'Organization', id: 'NEW.idnat' }],
    update: [{ type: 'Organization', id: 'NEW.idnat' }],
  },
  situations: {
    insert: [{ type: 'PractitionerRole', id: 'NEW.id' }],
    update: [{ type: 'PractitionerRole', id: 'NEW.id' }],
  },
  // A mailbox shows on its owner's resource, and on its situation's role when it has one.
  mailboxes: {
    insert: [
      { type: 'Practitioner', id: 'NEW.owner_idnat', when: "NEW.type IN ('PER','CAB')" },
      { type: 'Organization', id: 'NEW.owner_idnat', when: "NEW.type IN ('ORG','APP')" },
      { type: 'PractitionerRole', id: 'NEW.situation_id', when: 'NEW.situation_id IS NOT NULL' },
    ],
    update: [
      { type: 'Practitioner', id: 'NEW.owner_idnat', when: "NEW.type IN ('PER','CAB')" },
      { type: 'Organization', id: 'NEW.owner_idnat', when: "NEW.type IN ('ORG','APP')" },
      { type: 'Practitioner', id: 'OLD.owner_idnat', when: "OLD.type IN ('PER','CAB') AND OLD.owner_idnat <> NEW.owner_idnat" },
      { type: 'PractitionerRole', id: 'NEW.situation_id', when: 'NEW.situation_id IS NOT NULL' },
      {
        type: 'PractitionerRole',
        id: 'OLD.situation_id',
        when: 'OLD.situation_id IS NOT NULL AND (NEW.situation_id IS NULL OR OLD.situation_id <> NEW.situation_id)',
      },
    ],
  },
};

async function sqliteTriggers(db: Kysely<any>): Promise<void> {
  const now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
  for (const [table, ops] of Object.entries(TOUCHES)) {
    for (const [op, touches] of Object.entries(ops)) {
      const body = touches
        .map(
          (t) =>
            `INSERT INTO directory_changes (resource_type, resource_id, changed_at) SELECT '${t.type}', ${t.id}, ${now}` +
            (t.when ? ` WHERE ${t.when};` : ';'),
        )
        .join(' ');
      await sql
        .raw(
          `CREATE TRIGGER ${table}_feed_${op} AFTER ${op.toUpperCase()} ON ${table} ` +
            `WHEN (SELECT enabled FROM directory_feed WHERE id = 1) = 1 BEGIN ${body} END`,
        )
        .execute(db);
    }
  }
}

/**
 * PostgreSQL assigns sequence numbers when rows are inserted, not when they commit: a reader could
 * see change 11 before change 10 commits, move its cursor past 10 and never see it. The trigger
 * takes a transaction-scoped advisory lock before taking its number, so transactions that change
 * the directory take their numbers one after the other, each holding the lock until it ends.
 */
async function postgresTriggers(db: Kysely<any>): Promise<void> {
  for (const [table, ops] of Object.entries(TOUCHES)) {
    for (const [op, touches] of Object.entries(ops)) {
      const inserts = touches
        .map((t) => {
          const insert =
            `INSERT INTO directory_changes (resource_type, resource_id, changed_at) VALUES ('${t.type}', ${t.id}, ` +
            `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));`;
          return t.when ? `IF ${t.when} THEN ${insert} END IF;` : insert;
        })
        .join(' ');
      const fn = `mss_${table}_feed_${op}`;
      await sql
        .raw(
          `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
            `IF coalesce((SELECT enabled FROM directory_feed WHERE id = 1), 0) <> 1 THEN RETURN NULL; END IF; ` +
            `PERFORM pg_advisory_xact_lock(${FEED_LOCK}); ${inserts} RETURN NULL; END $$`,
        )
        .execute(db);
      await sql
        .raw(`CREATE TRIGGER ${table}_feed_${op} AFTER ${op.toUpperCase()} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`)
        .execute(db);
    }
  }
}

/** The advisory lock key that orders the Annuaire's change numbers (any constant; "MSSF"). */
export const FEED_LOCK = 0x4d535346;
