import { sql } from 'kysely';
import { MssError } from '@mss/runtime';
import type { FolderRow, MessageRow } from '../schema.ts';
import type { IngestedMessage } from '../ingest.ts';
import { threadFor } from '../threads.ts';
import { cachedQuery } from './cached-query.ts';
import { chunkRows, isoNow, isUniqueViolation, type RepoContext } from './executor.ts';

export interface NewMessage {
  blobHash: string;
  size: number;
  flags?: readonly string[];
  internalDate?: string;
  authorIdnat?: string | null;
  /** What the ingestion step computed from the bytes (`ingestMessage`): required, so no way in skips it. */
  data: IngestedMessage;
}

/** What an IMAP folder index keeps per message; `search_headers` and `blob_hash` when asked. */
export interface IndexEntry {
  uid: number;
  flags: string;
  modseq: number;
  search_headers?: string | null;
  blob_hash?: string;
}

/** The expunge log keeps this many MODSEQs of history, pruned every so many MODSEQs. */
const EXPUNGE_LOG_KEEP = 100_000;
const EXPUNGE_PRUNE_EVERY = 1024;

const FETCH_COLUMNS = ['uid', 'modseq', 'flags', 'internal_date', 'size', 'blob_hash', 'saved_at', 'thread_id', 'structure'] as const;
/** Without the structure (a FETCH that renders no ENVELOPE, BODY or BODYSTRUCTURE). */
const FETCH_COLUMNS_LEAN = ['uid', 'modseq', 'flags', 'internal_date', 'size', 'blob_hash', 'saved_at', 'thread_id'] as const;
export type FetchRow = Pick<MessageRow, (typeof FETCH_COLUMNS_LEAN)[number]> & Partial<Pick<MessageRow, 'structure'>>;

/** A new message's row but for where it goes (folder, UID, MODSEQ) and its thread; `now` stamps it. */
export function messageColumns(m: NewMessage, now: string) {
  return {
    flags: normaliseFlags(m.flags ?? []),
    internal_date: m.internalDate ?? now,
    size: m.size,
    blob_hash: m.blobHash,
    author_idnat: m.authorIdnat ?? null,
    message_id: m.data.messageId,
    subject: m.data.subject,
    from_addr: m.data.fromAddr,
    to_addrs: m.data.toAddrs,
    sent_date: m.data.sentDate,
    structure: m.data.structure,
    search_headers: m.data.searchHeaders,
    saved_at: now,
  };
}

/** IMAP flags are stored as one canonical string: unique, sorted, space-separated. */
export function normaliseFlags(flags: readonly string[]): string {
  return [...new Set(flags.filter((f) => f.length > 0))].sort().join(' ');
}

export function parseFlags(stored: string): string[] {
  return stored === '' ? [] : stored.split(' ');
}

/**
 * IMAP mail storage: folders with UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ, and message metadata.
 * Bodies live in the BlobStore; a row is only written once its blob is durable. Callers run
 * the methods that change counters inside a transaction (Store.transaction) so UID and MODSEQ
 * allocation stays atomic on both engines.
 */
export class MailRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async folders(mailboxId: number): Promise<FolderRow[]> {
    return this.ctx.db.selectFrom('mail_folders').selectAll().where('mailbox_id', '=', mailboxId).orderBy('name').execute();
  }

  async folder(mailboxId: number, name: string): Promise<FolderRow | undefined> {
    const rows = await cachedQuery(this.ctx, 'mail.folder', [mailboxId, name], (m, n) =>
      this.ctx.db.selectFrom('mail_folders').selectAll().where('mailbox_id', '=', Number(m)).where('name', '=', String(n)),
    );
    return rows[0];
  }

  async createFolder(mailboxId: number, name: string): Promise<FolderRow> {
    const created = await this.insertFolder(mailboxId, name, false);
    if (!created) throw new MssError('FOLDER_EXISTS', `folder ${name} already exists`);
    return created;
  }

  /**
   * The folder, made if missing. Another session or node may be making it at the same moment (the
   * first LOGINs of a mailbox on two nodes each make its INBOX): the insert then does nothing and
   * the folder made there is returned, where a unique violation would fail the caller and, on
   * PostgreSQL, abort its whole transaction.
   */
  async ensureFolder(mailboxId: number, name: string): Promise<FolderRow> {
    const existing = await this.folder(mailboxId, name);
    if (existing) return existing;
    const made = (await this.insertFolder(mailboxId, name, true)) ?? (await this.folder(mailboxId, name));
    if (!made) throw new MssError('FOLDER_MISSING', `folder ${name} was made and removed at once`);
    return made;
  }

  /** Inserts a folder; `undefined` when one of that name exists and `ifAbsent` (nothing inserted). */
  private async insertFolder(mailboxId: number, name: string, ifAbsent: boolean): Promise<FolderRow | undefined> {
    // A folder re-created under an old name must not reuse a UIDVALIDITY clients have cached:
    // the mailbox keeps the last one given and each new folder gets a larger one.
    const nowS = Math.floor(this.ctx.now().getTime() / 1000);
    const bumped = await this.ctx.db
      .updateTable('mailboxes')
      .set({ last_uidvalidity: sql<number>`case when last_uidvalidity >= ${nowS} then last_uidvalidity + 1 else ${nowS} end` })
      .where('id', '=', mailboxId)
      .returning('last_uidvalidity')
      .executeTakeFirst();
    if (!bumped) throw new MssError('MAILBOX_MISSING', `mailbox ${mailboxId} does not exist`);
    const uidvalidity = Number(bumped.last_uidvalidity);
    const insert = this.ctx.db
      .insertInto('mail_folders')
      .values({ mailbox_id: mailboxId, name, uidvalidity, uidnext: 1, highest_modseq: 1, subscribed: 1, created_at: isoNow(this.ctx) });
    try {
      return await (ifAbsent ? insert.onConflict((oc) => oc.columns(['mailbox_id', 'name']).doNothing()) : insert)
        .returningAll()
        .executeTakeFirst();
    } catch (err) {
      if (isUniqueViolation(err)) throw new MssError('FOLDER_EXISTS', `folder ${name} already exists`, { cause: err });
      throw err;
    }
  }

  async deleteFolder(folderId: number): Promise<void> {
    await this.ctx.db.deleteFrom('mail_messages').where('folder_id', '=', folderId).execute();
    await this.ctx.db.deleteFrom('mail_expunged').where('folder_id', '=', folderId).execute();
    await this.ctx.db.deleteFrom('mail_folders').where('id', '=', folderId).execute();
  }

  /**
   * Takes the next UID and MODSEQ of a folder in one statement (row-locked on PostgreSQL), and
   * moves the folder's usage counters by what is added (or, negative, removed) with it.
   */
  private async bump(
    folderId: number,
    uids: number,
    bytes = 0,
    messages = 0,
  ): Promise<{ firstUid: number; modseq: number; mailboxId: number }> {
    const r = await this.ctx.db
      .updateTable('mail_folders')
      .set((eb) =>
        bytes === 0 && messages === 0
          ? { uidnext: eb('uidnext', '+', uids), highest_modseq: eb('highest_modseq', '+', 1) }
          : {
              uidnext: eb('uidnext', '+', uids),
              highest_modseq: eb('highest_modseq', '+', 1),
              storage_used: eb('storage_used', '+', bytes),
              message_count: eb('message_count', '+', messages),
            },
      )
      .where('id', '=', folderId)
      .returning(['uidnext', 'highest_modseq', 'mailbox_id'])
      .executeTakeFirst();
    if (!r) throw new MssError('FOLDER_MISSING', `folder ${folderId} does not exist`);
    return { firstUid: Number(r.uidnext) - uids, modseq: Number(r.highest_modseq), mailboxId: Number(r.mailbox_id) };
  }

  /** Stores a message in a folder; it joins its conversation in the folder's mailbox (threads.ts). */
  async appendMessage(folderId: number, m: NewMessage): Promise<MessageRow> {
    const { firstUid, modseq, mailboxId } = await this.bump(folderId, 1, m.size, 1);
    const threadId = await threadFor(this.ctx.db, mailboxId, m.data.thread, m.blobHash);
    return this.ctx.db
      .insertInto('mail_messages')
      .values({ folder_id: folderId, uid: firstUid, modseq, ...messageColumns(m, isoNow(this.ctx)), thread_id: threadId })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Stores many messages in a folder at once (an import, a benchmark's mailbox): one UID range and
   * one MODSEQ for all of them (RFC 7162 allows a MODSEQ shared by one change's messages), rows
   * inserted by the thousand; each joins its conversation as `appendMessage` does. The UID of the
   * first; the others follow in order.
   */
  async appendMessages(folderId: number, ms: readonly NewMessage[]): Promise<number> {
    if (ms.length === 0) return 0;
    const bytes = ms.reduce((n, m) => n + m.size, 0);
    const { firstUid, modseq, mailboxId } = await this.bump(folderId, ms.length, bytes, ms.length);
    const now = isoNow(this.ctx);
    const rows = [];
    for (const [i, m] of ms.entries()) {
      rows.push({
        folder_id: folderId,
        uid: firstUid + i,
        modseq,
        ...messageColumns(m, now),
        thread_id: await threadFor(this.ctx.db, mailboxId, m.data.thread, m.blobHash),
      });
    }
    for (const chunk of chunkRows(rows, Object.keys(rows[0]!).length))
      await this.ctx.db.insertInto('mail_messages').values(chunk).execute();
    return firstUid;
  }

  async messages(folderId: number, range: { fromUid?: number; toUid?: number; limit?: number } = {}): Promise<MessageRow[]> {
    let q = this.ctx.db.selectFrom('mail_messages').selectAll().where('folder_id', '=', folderId);
    if (range.fromUid !== undefined) q = q.where('uid', '>=', range.fromUid);
    if (range.toUid !== undefined) q = q.where('uid', '<=', range.toUid);
    q = q.orderBy('uid');
    if (range.limit !== undefined) q = q.limit(range.limit);
    return q.execute();
  }

  /** Every message's UID, flags and MODSEQ, in UID order: what an IMAP session keeps in memory. */
  async index(folderId: number): Promise<{ uid: number; flags: string; modseq: number }[]> {
    const rows = await this.ctx.db
      .selectFrom('mail_messages')
      .select(['uid', 'flags', 'modseq'])
      .where('folder_id', '=', folderId)
      .orderBy('uid')
      .execute();
    return rows.map((r) => ({ uid: Number(r.uid), flags: r.flags, modseq: Number(r.modseq) }));
  }

  /**
   * What changed in a folder after `modseq`: the rows appended or re-flagged since (in UID order)
   * and the UIDs expunged since. Applied in that order to an index as of `modseq`, they give the
   * folder as of (at least) its current HIGHESTMODSEQ; applying a change twice is harmless.
   * An expunged UID 0 means the log was pruned after `modseq`: reread the whole folder.
   */
  async changesSince(
    folderId: number,
    modseq: number,
    withHeaders: boolean,
  ): Promise<{ rows: IndexEntry[]; expunged: { uid: number; modseq: number }[] }> {
    const columns = withHeaders
      ? (['uid', 'flags', 'modseq', 'search_headers', 'blob_hash'] as const)
      : (['uid', 'flags', 'modseq'] as const);
    // No ORDER BY: SQLite would then walk the folder's UID index (every row) instead of the
    // MODSEQ index (the few changed ones); sorted here instead.
    const rows = await this.ctx.db
      .selectFrom('mail_messages')
      .select(columns)
      .where('folder_id', '=', folderId)
      .where('modseq', '>', modseq)
      .execute();
    rows.sort((a, b) => Number(a.uid) - Number(b.uid));
    const expunged = await this.ctx.db
      .selectFrom('mail_expunged')
      .select(['uid', 'modseq'])
      .where('folder_id', '=', folderId)
      .where('modseq', '>', modseq)
      .execute();
    return {
      rows: rows.map((r) => ({ ...r, uid: Number(r.uid), modseq: Number(r.modseq) })),
      expunged: expunged.map((e) => ({ uid: Number(e.uid), modseq: Number(e.modseq) })),
    };
  }

  /**
   * The UIDs expunged from a folder after `modseq` (QRESYNC, RFC 7162 §3.2.5.2), and whether the
   * log still reaches back that far (`complete` false: it was pruned after `modseq`).
   */
  async expungedSince(folderId: number, modseq: number): Promise<{ uids: number[]; complete: boolean }> {
    const rows = await this.ctx.db
      .selectFrom('mail_expunged')
      .select('uid')
      .where('folder_id', '=', folderId)
      .where('modseq', '>', modseq)
      .execute();
    const uids = rows.map((r) => Number(r.uid));
    return { uids: uids.filter((u) => u > 0).sort((a, b) => a - b), complete: !uids.includes(0) };
  }

  /** Every message's search values (JSON; null only if its blob was unreadable when backfilled) and blob, for SEARCH. */
  async searchHeaders(folderId: number): Promise<{ uid: number; search_headers: string | null; blob_hash: string }[]> {
    const rows = await this.ctx.db
      .selectFrom('mail_messages')
      .select(['uid', 'search_headers', 'blob_hash'])
      .where('folder_id', '=', folderId)
      .orderBy('uid')
      .execute();
    return rows.map((r) => ({ ...r, uid: Number(r.uid) }));
  }

  /**
   * What FETCH renders without opening a message: by UID, a contiguous run as one range scan,
   * scattered UIDs by name. Rows of other UIDs in the range are the caller's to skip.
   */
  async fetchRows(folderId: number, uids: readonly number[], withStructures = true): Promise<FetchRow[]> {
    if (uids.length === 0) return [];
    const columns = withStructures ? FETCH_COLUMNS : FETCH_COLUMNS_LEAN;
    const first = uids[0]!;
    const last = uids[uids.length - 1]!;
    if (last - first < 2 * uids.length) {
      // The usual case (one message, or a run): one shape, built once.
      return cachedQuery(this.ctx, withStructures ? 'mail.fetchRows' : 'mail.fetchRowsLean', [folderId, first, last], (f, a, b) =>
        this.ctx.db
          .selectFrom('mail_messages')
          .select(columns)
          .where('folder_id', '=', Number(f))
          .where('uid', '>=', Number(a))
          .where('uid', '<=', Number(b))
          .orderBy('uid'),
      );
    }
    return this.ctx.db
      .selectFrom('mail_messages')
      .select(columns)
      .where('folder_id', '=', folderId)
      .where('uid', 'in', uids)
      .orderBy('uid')
      .execute();
  }

  /** The stored structure of some messages, by UID (FETCH reads it only for those it has not encoded yet). */
  async structures(folderId: number, uids: readonly number[]): Promise<Map<number, string | null>> {
    if (uids.length === 0) return new Map();
    const rows = await this.ctx.db
      .selectFrom('mail_messages')
      .select(['uid', 'structure'])
      .where('folder_id', '=', folderId)
      .where('uid', 'in', uids)
      .execute();
    return new Map(rows.map((r) => [Number(r.uid), r.structure]));
  }

  /** Messages by UID (those that still exist), in UID order. */
  async messagesByUid(folderId: number, uids: readonly number[]): Promise<MessageRow[]> {
    if (uids.length === 0) return [];
    return this.ctx.db
      .selectFrom('mail_messages')
      .selectAll()
      .where('folder_id', '=', folderId)
      .where('uid', 'in', uids)
      .orderBy('uid')
      .execute();
  }

  async folderById(folderId: number): Promise<FolderRow | undefined> {
    // Read per IMAP command (the folder's counters): a cached shape.
    const rows = await cachedQuery(this.ctx, 'mail.folderById', [folderId], (f) =>
      this.ctx.db.selectFrom('mail_folders').selectAll().where('id', '=', Number(f)),
    );
    return rows[0];
  }

  async renameFolder(folderId: number, name: string): Promise<void> {
    try {
      await this.ctx.db.updateTable('mail_folders').set({ name }).where('id', '=', folderId).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new MssError('FOLDER_EXISTS', `folder ${name} already exists`, { cause: err });
      throw err;
    }
  }

  async setSubscribed(folderId: number, subscribed: boolean): Promise<void> {
    await this.ctx.db
      .updateTable('mail_folders')
      .set({ subscribed: subscribed ? 1 : 0 })
      .where('id', '=', folderId)
      .execute();
  }

  /** Copies messages (same blobs) into another folder with new UIDs; returns [sourceUid, newUid] pairs. */
  async copyMessages(fromFolderId: number, uids: readonly number[], toFolderId: number): Promise<[number, number][]> {
    if (uids.length === 0) return [];
    const rows = await this.ctx.db
      .selectFrom('mail_messages')
      .selectAll()
      .where('folder_id', '=', fromFolderId)
      .where('uid', 'in', uids)
      .orderBy('uid')
      .execute();
    const bytes = rows.reduce((n, r) => n + Number(r.size), 0);
    const { firstUid, modseq } = await this.bump(toFolderId, rows.length, bytes, rows.length);
    const pairs: [number, number][] = [];
    const savedAt = isoNow(this.ctx);
    for (const [i, r] of rows.entries()) {
      const uid = firstUid + i;
      const { id: _id, ...rest } = r;
      await this.ctx.db
        .insertInto('mail_messages')
        .values({ ...rest, folder_id: toFolderId, uid, modseq, saved_at: savedAt })
        .execute();
      pairs.push([Number(r.uid), uid]);
    }
    return pairs;
  }

  /** A message by its row id (`mail_messages.id`), with the mailbox its folder belongs to. */
  async messageById(id: number): Promise<(MessageRow & { mailbox_id: number }) | undefined> {
    return this.ctx.db
      .selectFrom('mail_messages as m')
      .innerJoin('mail_folders as f', 'f.id', 'm.folder_id')
      .selectAll('m')
      .select('f.mailbox_id')
      .where('m.id', '=', id)
      .executeTakeFirst();
  }

  async message(folderId: number, uid: number): Promise<MessageRow | undefined> {
    return this.ctx.db.selectFrom('mail_messages').selectAll().where('folder_id', '=', folderId).where('uid', '=', uid).executeTakeFirst();
  }

  /** Messages changed after `modseq` (CONDSTORE / QRESYNC). */
  async changedSince(folderId: number, modseq: number): Promise<MessageRow[]> {
    return this.ctx.db
      .selectFrom('mail_messages')
      .selectAll()
      .where('folder_id', '=', folderId)
      .where('modseq', '>', modseq)
      .orderBy('uid')
      .execute();
  }

  /** Replaces the flags of some messages; every changed message gets the folder's new MODSEQ. */
  async setFlags(folderId: number, uids: readonly number[], flags: readonly string[]): Promise<number> {
    return (await this.setFlagsModseq(folderId, uids, flags)).updated;
  }

  /** setFlags, also giving the MODSEQ the changed messages got. */
  async setFlagsModseq(folderId: number, uids: readonly number[], flags: readonly string[]): Promise<{ updated: number; modseq: number }> {
    if (uids.length === 0) return { updated: 0, modseq: 0 };
    const { modseq } = await this.bump(folderId, 0);
    const r = await this.ctx.db
      .updateTable('mail_messages')
      .set({ flags: normaliseFlags(flags), modseq })
      .where('folder_id', '=', folderId)
      .where('uid', 'in', uids)
      .executeTakeFirst();
    return { updated: Number(r.numUpdatedRows), modseq };
  }

  /** Removes messages; their blobs stay (they may be shared) until a collection pass. */
  async expunge(folderId: number, uids: readonly number[]): Promise<number> {
    if (uids.length === 0) return 0;
    const gone = await this.ctx.db
      .selectFrom('mail_messages')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
      .where('folder_id', '=', folderId)
      .where('uid', 'in', uids)
      .executeTakeFirstOrThrow();
    const { modseq } = await this.bump(folderId, 0, -Number(gone.bytes ?? 0), -Number(gone.n));
    await this.ctx.db
      .insertInto('mail_expunged')
      .columns(['folder_id', 'uid', 'modseq'])
      .expression((eb) =>
        eb
          .selectFrom('mail_messages')
          .select(['folder_id', 'uid', sql<number>`cast(${modseq} as bigint)`.as('modseq')])
          .where('folder_id', '=', folderId)
          .where('uid', 'in', uids),
      )
      .execute();
    const r = await this.ctx.db.deleteFrom('mail_messages').where('folder_id', '=', folderId).where('uid', 'in', uids).executeTakeFirst();
    // Now and then, forget expunges far older than any cache should be.
    if (modseq % EXPUNGE_PRUNE_EVERY === 0) await this.pruneExpunged(folderId, modseq - EXPUNGE_LOG_KEEP);
    return Number(r.numDeletedRows);
  }

  /**
   * Drops the expunge log up to `upTo` and leaves a mark there (UID 0, which no message has):
   * whoever asks for changes since an older MODSEQ gets the mark and must reread the folder.
   */
  async pruneExpunged(folderId: number, upTo: number): Promise<void> {
    if (upTo <= 0) return;
    await this.ctx.db.deleteFrom('mail_expunged').where('folder_id', '=', folderId).where('modseq', '<=', upTo).execute();
    await this.ctx.db.deleteFrom('mail_expunged').where('folder_id', '=', folderId).where('uid', '=', 0).execute();
    await this.ctx.db.insertInto('mail_expunged').values({ folder_id: folderId, uid: 0, modseq: upTo }).execute();
  }

  /**
   * What a mailbox uses over all its folders: bytes and messages, from the folders' counters
   * (a few rows, whatever the number of messages).
   */
  async usage(mailboxId: number): Promise<{ storage: number; messages: number }> {
    const [r] = await cachedQuery(this.ctx, 'mail.usage', [mailboxId], (m) =>
      this.ctx.db
        .selectFrom('mail_folders')
        .select((eb) => [eb.fn.sum<number>('storage_used').as('storage'), eb.fn.sum<number>('message_count').as('messages')])
        .where('mailbox_id', '=', Number(m)),
    );
    return { storage: Number(r?.storage ?? 0), messages: Number(r?.messages ?? 0) };
  }

  /**
   * Takes the messages of a folder up to `upToUid` as `\Recent` for the calling session (RFC 3501
   * §2.3.2): returns the highest UID claimed before, so the caller's are those in (returned,
   * upToUid]; none when it is not below `upToUid`. A compare-and-set, so that two sessions never
   * both get a message as recent, on either engine.
   */
  async claimRecent(folderId: number, upToUid: number): Promise<number> {
    for (;;) {
      const f = await this.ctx.db.selectFrom('mail_folders').select('recent_uid').where('id', '=', folderId).executeTakeFirst();
      if (!f) return upToUid;
      const mark = Number(f.recent_uid);
      if (mark >= upToUid) return mark;
      const r = await this.ctx.db
        .updateTable('mail_folders')
        .set({ recent_uid: upToUid })
        .where('id', '=', folderId)
        .where('recent_uid', '=', mark)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return mark;
    }
  }

  async status(folderId: number): Promise<{
    messages: number;
    unseen: number;
    uidnext: number;
    uidvalidity: number;
    highestModseq: number;
    deleted: number;
    deletedStorage: number;
    /** Messages no session has taken as `\Recent` yet (RFC 3501 §2.3.2). */
    recent: number;
    /** Bytes of the folder's messages (RFC 8438 STATUS SIZE). */
    size: number;
    /** Highest UID some session took as `\Recent`. */
    recentUid: number;
  }> {
    const f = await this.ctx.db.selectFrom('mail_folders').selectAll().where('id', '=', folderId).executeTakeFirst();
    if (!f) throw new MssError('FOLDER_MISSING', `folder ${folderId} does not exist`);
    const counts = await this.ctx.db
      .selectFrom('mail_messages')
      .select((eb) => [
        eb.fn.countAll<number>().as('messages'),
        // With an explicit ESCAPE, the backslash of \Seen is literal on both engines.
        eb.fn.sum<number>(sql<number>`case when flags like ${'%\\Seen%'} escape '!' then 0 else 1 end`).as('unseen'),
        eb.fn.sum<number>(sql<number>`case when flags like ${'%\\Deleted%'} escape '!' then 1 else 0 end`).as('deleted'),
        eb.fn.sum<number>(sql<number>`case when flags like ${'%\\Deleted%'} escape '!' then size else 0 end`).as('deleted_storage'),
        eb.fn.sum<number>(sql<number>`case when uid > ${Number(f.recent_uid)} then 1 else 0 end`).as('recent'),
      ])
      .where('folder_id', '=', folderId)
      .executeTakeFirstOrThrow();
    return {
      messages: Number(counts.messages),
      unseen: Number(counts.unseen ?? 0),
      deleted: Number(counts.deleted ?? 0),
      deletedStorage: Number(counts.deleted_storage ?? 0),
      uidnext: Number(f.uidnext),
      uidvalidity: Number(f.uidvalidity),
      highestModseq: Number(f.highest_modseq),
      recent: Number(counts.recent ?? 0),
      size: Number(f.storage_used),
      recentUid: Number(f.recent_uid),
    };
  }
}
