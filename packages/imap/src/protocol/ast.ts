// What a parsed command looks like. One shape per command name, so a session can switch on
// `command` and get typed arguments. Strings are Unicode (UTF-8 decoded); mailbox names are
// decoded from modified UTF-7 and INBOX is spelled `INBOX` whatever case the client used.

import type { CalendarDate, ImapDateTime } from './datetime.ts';
import type { SequenceSet } from './sequence-set.ts';

export type StatusItem =
  | 'MESSAGES'
  | 'RECENT'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'HIGHESTMODSEQ'
  | 'DELETED'
  | 'DELETED-STORAGE'
  | 'SIZE'
  | 'MAILBOXID';

export type SearchKey =
  | {
      readonly key:
        | 'ALL'
        | 'ANSWERED'
        | 'DELETED'
        | 'DRAFT'
        | 'FLAGGED'
        | 'NEW'
        | 'OLD'
        | 'RECENT'
        | 'SEEN'
        | 'UNANSWERED'
        | 'UNDELETED'
        | 'UNDRAFT'
        | 'UNFLAGGED'
        | 'UNSEEN'
        /** RFC 8514 §4.2: every message, where the folder keeps save dates (ours always do). */
        | 'SAVEDATESUPPORTED';
    }
  | { readonly key: 'BCC' | 'BODY' | 'CC' | 'FROM' | 'SUBJECT' | 'TEXT' | 'TO'; readonly value: string }
  | { readonly key: 'KEYWORD' | 'UNKEYWORD'; readonly flag: string }
  | {
      readonly key: 'BEFORE' | 'ON' | 'SINCE' | 'SENTBEFORE' | 'SENTON' | 'SENTSINCE' | 'SAVEDBEFORE' | 'SAVEDON' | 'SAVEDSINCE';
      readonly date: CalendarDate;
    }
  | { readonly key: 'HEADER'; readonly field: string; readonly value: string }
  | { readonly key: 'LARGER' | 'SMALLER'; readonly size: number }
  /** OBJECTID (RFC 8474 §6): the message whose EMAILID / THREADID is `id`. */
  | { readonly key: 'EMAILID' | 'THREADID'; readonly id: string }
  /** WITHIN (RFC 5032): INTERNALDATE more than / at most `seconds` before now. */
  | { readonly key: 'OLDER' | 'YOUNGER'; readonly seconds: number }
  /** `UID set`, or a bare sequence set (`SEQUENCE`, message numbers). */
  | { readonly key: 'UID' | 'SEQUENCE'; readonly set: SequenceSet }
  | { readonly key: 'NOT'; readonly operand: SearchKey }
  | { readonly key: 'OR'; readonly left: SearchKey; readonly right: SearchKey }
  /** A parenthesised list: all must match. */
  | { readonly key: 'AND'; readonly keys: readonly SearchKey[] }
  /** CONDSTORE (RFC 7162 §3.1.5); `entry` names one flag's metadata, e.g. `/flags/\draft`. */
  | {
      readonly key: 'MODSEQ';
      readonly modseq: bigint;
      readonly entry: { readonly name: string; readonly type: 'priv' | 'shared' | 'all' } | null;
    };

/**
 * `SEARCH RETURN (…)` (RFC 4731 §3.1): which ESEARCH result items the client asked for. An
 * empty `RETURN ()` means ALL.
 */
export interface SearchReturn {
  readonly min: boolean;
  readonly max: boolean;
  readonly all: boolean;
  readonly count: boolean;
}

/** RFC 5256 §3 sort-key. */
export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO';

export interface SortCriterion {
  readonly key: SortKey;
  /** `REVERSE` before the key: that key only, descending. */
  readonly reverse: boolean;
}

/** RFC 5256 §3 thread-alg values this server implements. */
export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part numbers, e.g. [1, 2] for `1.2`; empty for the whole message. */
  readonly part: readonly number[];
  readonly text: SectionText | null;
  /** Header names of HEADER.FIELDS[.NOT], as the client wrote them; otherwise empty. */
  readonly fields: readonly string[];
}

/** `<offset.length>` of a partial fetch. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export type SimpleFetchItem =
  | 'ENVELOPE'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.SIZE'
  | 'RFC822.TEXT'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ'
  /** RFC 8474 §5 */
  | 'EMAILID'
  | 'THREADID'
  /** RFC 8514 §3 */
  | 'SAVEDATE';

export type FetchItem =
  | { readonly item: SimpleFetchItem }
  /** BODY[section]<partial>, or BODY.PEEK[…] when `peek` (does not set \Seen). */
  | { readonly item: 'BODY[]'; readonly peek: boolean; readonly section: Section; readonly partial: ByteRange | null }
  /** BINARY[part]<partial> (RFC 3516): recognised; whether to serve it is the session's call. */
  | { readonly item: 'BINARY[]'; readonly peek: boolean; readonly part: readonly number[]; readonly partial: ByteRange | null }
  | { readonly item: 'BINARY.SIZE'; readonly part: readonly number[] };

/** `QRESYNC (uidvalidity modseq [known-uids [seq-match]])` of SELECT/EXAMINE (RFC 7162 §3.2.5). */
export interface QresyncParams {
  readonly uidValidity: number;
  readonly modseq: bigint;
  /** The UIDs the client knows of, null when not given (then: every UID). */
  readonly knownUids: SequenceSet | null;
  /** Message numbers and the UIDs they had for the client (not used by this server: it has the expunge log). */
  readonly seqMatch: { readonly seqs: SequenceSet; readonly uids: SequenceSet } | null;
}

export interface ListSelectOptions {
  readonly subscribed: boolean;
  readonly remote: boolean;
  readonly recursiveMatch: boolean;
  readonly specialUse: boolean;
}

export interface ListReturnOptions {
  readonly subscribed: boolean;
  readonly children: boolean;
  readonly specialUse: boolean;
  /** RETURN (STATUS (…)) (RFC 5819), null when not asked. */
  readonly status: readonly StatusItem[] | null;
}

export interface CommandArgs {
  CAPABILITY: Record<string, never>;
  NOOP: Record<string, never>;
  LOGOUT: Record<string, never>;
  STARTTLS: Record<string, never>;
  /** `initialResponse`: SASL-IR base64 text, '' for `=`, null when absent. */
  AUTHENTICATE: { readonly mechanism: string; readonly initialResponse: string | null };
  LOGIN: { readonly userid: string; readonly password: string };
  SELECT: { readonly mailbox: string; readonly condstore: boolean; readonly qresync: QresyncParams | null };
  EXAMINE: { readonly mailbox: string; readonly condstore: boolean; readonly qresync: QresyncParams | null };
  /** `specialUse`: the USE attributes of RFC 6154, e.g. ['\\Sent']. */
  CREATE: { readonly mailbox: string; readonly specialUse: readonly string[] };
  DELETE: { readonly mailbox: string };
  RENAME: { readonly from: string; readonly to: string };
  SUBSCRIBE: { readonly mailbox: string };
  UNSUBSCRIBE: { readonly mailbox: string };
  /** `extended`: LIST-EXTENDED syntax was used (selection options, several patterns or RETURN). */
  LIST: {
    readonly reference: string;
    readonly patterns: readonly string[];
    readonly select: ListSelectOptions;
    readonly return: ListReturnOptions;
    readonly extended: boolean;
  };
  LSUB: { readonly reference: string; readonly pattern: string };
  STATUS: { readonly mailbox: string; readonly items: readonly StatusItem[] };
  APPEND: {
    readonly mailbox: string;
    readonly flags: readonly string[];
    readonly internalDate: ImapDateTime | null;
    readonly message: Buffer;
    /** Sent as literal8 (`~{n}`). */
    readonly binary: boolean;
  };
  CHECK: Record<string, never>;
  CLOSE: Record<string, never>;
  /** `uids` for UID EXPUNGE (UIDPLUS), null for EXPUNGE. */
  EXPUNGE: { readonly uids: SequenceSet | null };
  /**
   * `criteria`: all must match. `charset` as given (upper-cased), null when absent. `return`:
   * the RFC 4731 RETURN options, null when the client did not write RETURN (a classic SEARCH).
   */
  SEARCH: { readonly charset: string | null; readonly criteria: readonly SearchKey[]; readonly return: SearchReturn | null };
  /** RFC 5256 §3: the charset is mandatory here. */
  SORT: { readonly sort: readonly SortCriterion[]; readonly charset: string; readonly criteria: readonly SearchKey[] };
  THREAD: { readonly algorithm: ThreadAlgorithm; readonly charset: string; readonly criteria: readonly SearchKey[] };
  /** `items` has the macro expanded; `macro` says which one was used. */
  FETCH: {
    readonly set: SequenceSet;
    readonly items: readonly FetchItem[];
    readonly macro: 'ALL' | 'FAST' | 'FULL' | null;
    readonly changedSince: bigint | null;
    /** `VANISHED` modifier (RFC 7162 §3.2.6): UID FETCH with CHANGEDSINCE only. */
    readonly vanished: boolean;
  };
  STORE: {
    readonly set: SequenceSet;
    readonly operation: 'replace' | 'add' | 'remove';
    readonly silent: boolean;
    readonly flags: readonly string[];
    readonly unchangedSince: bigint | null;
  };
  COPY: { readonly set: SequenceSet; readonly mailbox: string };
  MOVE: { readonly set: SequenceSet; readonly mailbox: string };
  IDLE: Record<string, never>;
  NAMESPACE: Record<string, never>;
  /** Upper-cased capability names. */
  ENABLE: { readonly capabilities: readonly string[] };
  /** Field/value pairs in order, null for `ID NIL`. */
  ID: { readonly params: ReadonlyArray<readonly [string, string | null]> | null };
  UNSELECT: Record<string, never>;
  GETQUOTA: { readonly root: string };
  GETQUOTAROOT: { readonly mailbox: string };
  /** RFC 9208 §4.1.3: resource names upper-cased, limits as given. */
  SETQUOTA: { readonly root: string; readonly limits: ReadonlyArray<readonly [string, bigint]> };
}

export type CommandName = keyof CommandArgs;

/** `uid` is true for `UID COPY/MOVE/FETCH/SEARCH/SORT/THREAD/STORE/EXPUNGE`, false otherwise. */
export type Command = {
  [K in CommandName]: { readonly tag: string; readonly command: K; readonly uid: boolean; readonly args: CommandArgs[K] };
}[CommandName];

export type CommandOf<K extends CommandName> = Extract<Command, { command: K }>;
