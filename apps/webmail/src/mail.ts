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
const LIST_PROPERTIES = [
  'threadId',
  'from',
  'to',
  'subject',
  'receivedAt',
  'preview',
  'keywords',
  'hasAttachment',
  'messageId',
  'inReplyTo',
  'references',
];
/** How many of the newest messages the webmail groups into conversations itself (see `conversations`). */
const GROUPED = 200;

/**
 * Conversations: the server's threads (RFC 8621 §3), joined with what References and In-Reply-To
 * say (RFC 5322 §3.6.4) among the messages at hand — the operator's JMAP gives each Email a
 * thread of its own for now, and a reader expects a reply beside what it answers. Union-find over
 * Message-IDs; each group is named by its first member's server thread.
 */
export function conversations(emails: Record<string, unknown>[]): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const e of emails) {
    const self = `e:${String(e.id)}`;
    find(self);
    union(self, `t:${String(e.threadId)}`);
    for (const id of [...asStrings(e.messageId), ...asStrings(e.inReplyTo), ...asStrings(e.references)]) union(self, `m:${id}`);
  }
  const out = new Map<string, string>();
  for (const e of emails) out.set(String(e.id), find(`e:${String(e.id)}`));
  return out;
}

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

/** A folder's newest conversations (one line each, its newest message), or a search across the account. */
export async function threads(
  jmap: JmapClient,
  accountId: string,
  query: { folderId?: string; text?: string; limit?: number },
): Promise<{ emails: ListedEmail[]; total: number }> {
  const filter: Record<string, unknown> = {};
  if (query.folderId) filter.inMailbox = query.folderId;
  if (query.text) filter.text = query.text;
  const r = await jmap.call(USING, [
    ['Email/query', { accountId, filter, sort: [{ property: 'receivedAt', isAscending: false }], limit: GROUPED }, 'q'],
    ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: LIST_PROPERTIES }, 'g'],
  ]);
  const byId = new Map(list(r.get('g')).map((e) => [String(e.id), e]));
  const ordered = asStrings(r.get('q')?.ids).flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  const group = conversations(ordered);
  const sizes = new Map<string, number>();
  for (const g of group.values()) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const seen = new Set<string>();
  const emails: ListedEmail[] = [];
  for (const e of ordered) {
    const g = group.get(String(e.id))!;
    if (seen.has(g)) continue;
    seen.add(g);
    emails.push({ ...listed(e, new Map()), threadSize: sizes.get(g) ?? 1 });
  }
  return { emails: emails.slice(0, query.limit ?? 50), total: emails.length };
}

/** One message, its bodies and attachments, and the other messages of its thread (oldest first). */
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
    ['Email/query', { accountId, sort: [{ property: 'receivedAt', isAscending: false }], limit: GROUPED }, 'q'],
    ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: LIST_PROPERTIES }, 's'],
  ]);
  const e = list(r.get('e'))[0];
  if (!e) return undefined;
  const recent = list(r.get('s'));
  const group = conversations(recent.some((x) => String(x.id) === String(e.id)) ? recent : [...recent, e]);
  const mine = group.get(String(e.id));
  const members = recent.filter((x) => group.get(String(x.id)) === mine);
  const sizes = new Map([[String(e.threadId), Math.max(1, members.length)]]);
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
  const siblings = members.map((x) => listed(x, sizes)).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
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
