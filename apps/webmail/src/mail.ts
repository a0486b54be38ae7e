// The mail of one account, as the webmail's pages need it, asked of JMAP (RFC 8621) in as few
// requests as the back-references allow (RFC 8620 §3.7): folders, a folder's threads, one
// message with its thread, attachments, drafts and sending (EmailSubmission, RFC 8621 §7).

import { CORE, MAIL, SUBMISSION, type JmapClient } from './jmap-client.ts';

export interface EmailAddress {
  name: string | null;
  email: string;
}

export interface Folder {
  id: string;
  name: string;
  role: string | null;
  unread: number;
  total: number;
}

export interface ListedEmail {
  id: string;
  threadId: string;
  threadSize: number;
  from: EmailAddress[];
  to: EmailAddress[];
  subject: string;
  receivedAt: string;
  preview: string;
  seen: boolean;
  draft: boolean;
  hasAttachment: boolean;
  /**
   * For a search: the subject and preview with the words found in `<mark>` (RFC 8621 §5,
   * SearchSnippet/get; HTML, everything else escaped by the server), null where none was found.
   */
  snippet?: { subject: string | null; preview: string | null };
}

export interface Attachment {
  blobId: string;
  name: string | null;
  type: string;
  size: number;
}

export interface FullEmail extends ListedEmail {
  mailboxIds: string[];
  cc: EmailAddress[];
  replyTo: EmailAddress[];
  sentAt: string | null;
  messageId: string[];
  inReplyTo: string[];
  references: string[];
  text: string | null;
  html: string | null;
  attachments: Attachment[];
  /** Who asked for a read receipt (RFC 8098 §2.1), when one was asked. */
  mdnTo: string | null;
  mdnSent: boolean;
}

const USING = [CORE, MAIL];
const LIST_PROPERTIES = ['threadId', 'from', 'to', 'subject', 'receivedAt', 'preview', 'keywords', 'hasAttachment'];
const asAddresses = (v: unknown): EmailAddress[] => (Array.isArray(v) ? (v as EmailAddress[]) : []);
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const keywordsOf = (v: unknown): Record<string, boolean> => (v && typeof v === 'object' ? (v as Record<string, boolean>) : {});
const list = (r: Record<string, unknown> | undefined, key = 'list'): Record<string, unknown>[] =>
  (r?.[key] as Record<string, unknown>[] | undefined) ?? [];

function listed(e: Record<string, unknown>, threadSizes: Map<string, number>): ListedEmail {
  const k = keywordsOf(e.keywords);
  const threadId = String(e.threadId ?? '');
  return {
    id: String(e.id),
    threadId,
    threadSize: threadSizes.get(threadId) ?? 1,
    from: asAddresses(e.from),
    to: asAddresses(e.to),
    subject: typeof e.subject === 'string' ? e.subject : '',
    receivedAt: String(e.receivedAt ?? ''),
    preview: typeof e.preview === 'string' ? e.preview : '',
    seen: k.$seen === true,
    draft: k.$draft === true,
    hasAttachment: e.hasAttachment === true,
  };
}

const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

export async function folders(jmap: JmapClient, accountId: string): Promise<Folder[]> {
  const r = await jmap.call(USING, [
    ['Mailbox/get', { accountId, properties: ['name', 'role', 'unreadEmails', 'totalEmails', 'sortOrder'] }, 'm'],
  ]);
  const out = list(r.get('m')).map((m) => ({
    id: String(m.id),
    name: String(m.name ?? ''),
    role: typeof m.role === 'string' ? m.role : null,
    unread: Number(m.unreadEmails ?? 0),
    total: Number(m.totalEmails ?? 0),
  }));
  const rank = (f: Folder) => (f.role && ROLE_ORDER.includes(f.role) ? ROLE_ORDER.indexOf(f.role) : ROLE_ORDER.length);
  return out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'fr'));
}

/** How many conversations a list shows. */
const LISTED = 50;

const ref = (resultOf: string, name: string, path: string) => ({ resultOf, name, path });

/**
 * A folder's newest conversations, or a search across the account: one line per thread (its
 * newest Email, RFC 8621 §4.4.3 collapseThreads) with the thread's size (Thread/get, §3.1), and
 * for a search the words found (SearchSnippet/get, §5) — one request, by back-references.
 */
export async function threads(
  jmap: JmapClient,
  accountId: string,
  query: { folderId?: string; filter?: Record<string, unknown>; limit?: number },
): Promise<{ emails: ListedEmail[]; total: number }> {
  const filter: Record<string, unknown> = query.filter ?? (query.folderId ? { inMailbox: query.folderId } : {});
  const ids = ref('q', 'Email/query', '/ids');
  const r = await jmap.call(USING, [
    [
      'Email/query',
      {
        accountId,
        filter,
        sort: [{ property: 'receivedAt', isAscending: false }],
        collapseThreads: true,
        calculateTotal: true,
        limit: query.limit ?? LISTED,
      },
      'q',
    ],
    ['Email/get', { accountId, '#ids': ids, properties: LIST_PROPERTIES }, 'g'],
    ['Thread/get', { accountId, '#ids': ref('g', 'Email/get', '/list/*/threadId') }, 't'],
    ...(query.filter
      ? [['SearchSnippet/get', { accountId, filter, '#emailIds': ids }, 's'] as [string, Record<string, unknown>, string]]
      : []),
  ]);
  const byId = new Map(list(r.get('g')).map((e) => [String(e.id), e]));
  const sizes = new Map(list(r.get('t')).map((t) => [String(t.id), asStrings(t.emailIds).length]));
  const snippets = new Map(
    list(r.get('s')).map((x) => [
      String(x.emailId),
      { subject: typeof x.subject === 'string' ? x.subject : null, preview: typeof x.preview === 'string' ? x.preview : null },
    ]),
  );
  const emails = asStrings(r.get('q')?.ids).flatMap((id) => {
    const e = byId.get(id);
    if (!e) return [];
    const snippet = snippets.get(id);
    return [{ ...listed(e, sizes), ...(snippet ? { snippet } : {}) }];
  });
  return { emails, total: Number(r.get('q')?.total ?? emails.length) };
}

/** One message, its bodies and attachments, and the Emails of its thread (oldest first, RFC 8621 §3.1). */
export async function message(
  jmap: JmapClient,
  accountId: string,
  id: string,
): Promise<{ email: FullEmail; thread: ListedEmail[] } | undefined> {
  const r = await jmap.call(USING, [
    [
      'Email/get',
      {
        accountId,
        ids: [id],
        properties: [
          ...LIST_PROPERTIES,
          'mailboxIds',
          'cc',
          'replyTo',
          'sentAt',
          'messageId',
          'inReplyTo',
          'references',
          'textBody',
          'htmlBody',
          'bodyValues',
          'attachments',
          'header:Disposition-Notification-To:asAddresses',
        ],
        fetchTextBodyValues: true,
        fetchHTMLBodyValues: true,
        maxBodyValueBytes: 1024 * 1024,
      },
      'e',
    ],
    ['Thread/get', { accountId, '#ids': ref('e', 'Email/get', '/list/*/threadId') }, 't'],
    ['Email/get', { accountId, '#ids': ref('t', 'Thread/get', '/list/*/emailIds'), properties: LIST_PROPERTIES }, 's'],
  ]);
  const e = list(r.get('e'))[0];
  if (!e) return undefined;
  const order = asStrings(list(r.get('t'))[0]?.emailIds);
  const sizes = new Map([[String(e.threadId), Math.max(1, order.length)]]);
  const members = new Map(list(r.get('s')).map((x) => [String(x.id), x]));
  const values = (e.bodyValues ?? {}) as Record<string, { value: string }>;
  const bodyText = (parts: unknown, type: string): string | null => {
    const texts = (Array.isArray(parts) ? (parts as { partId?: string; type?: string }[]) : [])
      .filter((p) => p.type === type && p.partId !== undefined)
      .map((p) => values[p.partId as string]?.value ?? '');
    return texts.length ? texts.join('\n') : null;
  };
  const dnt = asAddresses(e['header:Disposition-Notification-To:asAddresses']);
  const k = keywordsOf(e.keywords);
  const email: FullEmail = {
    ...listed(e, sizes),
    mailboxIds: Object.keys((e.mailboxIds ?? {}) as Record<string, boolean>),
    cc: asAddresses(e.cc),
    replyTo: asAddresses(e.replyTo),
    sentAt: typeof e.sentAt === 'string' ? e.sentAt : null,
    messageId: asStrings(e.messageId),
    inReplyTo: asStrings(e.inReplyTo),
    references: asStrings(e.references),
    text: bodyText(e.textBody, 'text/plain'),
    html: bodyText(e.htmlBody, 'text/html'),
    attachments: (Array.isArray(e.attachments) ? (e.attachments as Record<string, unknown>[]) : [])
      .filter((a) => typeof a.blobId === 'string')
      .map((a) => ({
        blobId: String(a.blobId),
        name: typeof a.name === 'string' ? a.name : null,
        type: String(a.type ?? 'application/octet-stream'),
        size: Number(a.size ?? 0),
      })),
    mdnTo: dnt.length === 1 ? (dnt[0]?.email ?? null) : null,
    mdnSent: k.$mdnsent === true || k.$MDNSent === true,
  };
  const siblings = order.flatMap((x) => (members.has(x) ? [listed(members.get(x)!, sizes)] : []));
  return { email, thread: siblings };
}

export async function setKeyword(jmap: JmapClient, accountId: string, id: string, keyword: string, on: boolean): Promise<void> {
  await jmap.call(USING, [['Email/set', { accountId, update: { [id]: { [`keywords/${keyword}`]: on ? true : null } } }, 's']]).then((r) => {
    const notUpdated = r.get('s')?.notUpdated as Record<string, { type: string }> | undefined;
    if (notUpdated?.[id]) throw new Error(`Email/set refused: ${notUpdated[id].type}`);
  });
}

export interface Draft {
  from: string;
  to: EmailAddress[];
  cc: EmailAddress[];
  subject: string;
  text: string;
  inReplyTo: string[];
  references: string[];
  readReceipt: boolean;
  attachments: Attachment[];
}

/** The Email/set create object of a draft (RFC 8621 §4.6): a text body, attachments by blob. */
function draftObject(d: Draft, draftsId: string): Record<string, unknown> {
  return {
    mailboxIds: { [draftsId]: true },
    keywords: { $draft: true, $seen: true },
    from: [{ email: d.from }],
    to: d.to,
    ...(d.cc.length ? { cc: d.cc } : {}),
    subject: d.subject,
    ...(d.inReplyTo.length ? { inReplyTo: d.inReplyTo } : {}),
    ...(d.references.length ? { references: d.references } : {}),
    // RFC 8098 §2.1: the read receipt goes to the mailbox that sends.
    ...(d.readReceipt ? { 'header:Disposition-Notification-To:asRaw': ` <${d.from}>` } : {}),
    bodyValues: { corps: { value: d.text } },
    textBody: [{ partId: 'corps', type: 'text/plain' }],
    attachments: d.attachments.map((a) => ({ blobId: a.blobId, type: a.type, name: a.name, disposition: 'attachment' })),
  };
}

function roleFolder(all: Folder[], role: string): string {
  const f = all.find((x) => x.role === role);
  if (!f) throw new Error(`the account has no ${role} folder`);
  return f.id;
}

/** Saves a draft in Drafts (replacing `replaces`, JMAP Emails being immutable); its id. */
export async function saveDraft(jmap: JmapClient, accountId: string, d: Draft, replaces?: string): Promise<string> {
  const drafts = roleFolder(await folders(jmap, accountId), 'drafts');
  const r = await jmap.call(USING, [
    ['Email/set', { accountId, create: { brouillon: draftObject(d, drafts) }, ...(replaces ? { destroy: [replaces] } : {}) }, 's'],
  ]);
  const created = (r.get('s')?.created as Record<string, { id: string }> | undefined)?.brouillon;
  if (!created) throw new SetRefused(r.get('s')?.notCreated as Record<string, { type: string; description?: string }> | undefined);
  return created.id;
}

export class SetRefused extends Error {
  readonly type: string;
  constructor(notCreated: Record<string, { type: string; description?: string }> | undefined) {
    const e = notCreated ? Object.values(notCreated)[0] : undefined;
    super(e ? `${e.type}${e.description ? `: ${e.description}` : ''}` : 'not created');
    this.type = e?.type ?? 'unknown';
  }
}

/**
 * Sends: the message is created in Drafts, submitted (EmailSubmission/set, RFC 8621 §7.5), and on
 * success moved to Sent without its $draft keyword (onSuccessUpdateEmail), in one request.
 */
export async function send(jmap: JmapClient, accountId: string, d: Draft, replaces?: string): Promise<void> {
  const all = await folders(jmap, accountId);
  const drafts = roleFolder(all, 'drafts');
  const sent = roleFolder(all, 'sent');
  const ids = await jmap.call([CORE, MAIL, SUBMISSION], [['Identity/get', { accountId }, 'i']]);
  const identity = list(ids.get('i')).find((i) => String(i.email).toLowerCase() === d.from.toLowerCase()) ?? list(ids.get('i'))[0];
  if (!identity) throw new Error('no identity to send as');
  const r = await jmap.call(
    [CORE, MAIL, SUBMISSION],
    [
      ['Email/set', { accountId, create: { message: draftObject(d, drafts) }, ...(replaces ? { destroy: [replaces] } : {}) }, 'c'],
      [
        'EmailSubmission/set',
        {
          accountId,
          create: { envoi: { identityId: identity.id, emailId: '#message' } },
          onSuccessUpdateEmail: { '#envoi': { [`mailboxIds/${drafts}`]: null, [`mailboxIds/${sent}`]: true, 'keywords/$draft': null } },
        },
        'e',
      ],
    ],
  );
  const notCreated = r.get('c')?.notCreated as Record<string, { type: string; description?: string }> | undefined;
  if (notCreated && Object.keys(notCreated).length) throw new SetRefused(notCreated);
  const notSent = r.get('e')?.notCreated as Record<string, { type: string; description?: string }> | undefined;
  if (notSent && Object.keys(notSent).length) throw new SetRefused(notSent);
}
