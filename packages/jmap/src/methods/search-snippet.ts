// RFC 8621 §5: SearchSnippet/get — where a filter's words are found in an Email's subject and
// body, as HTML: each occurrence in <mark></mark>, everything else escaped; null for a part
// where none is. The words are the filter's `text`, `subject` and `body` conditions (not those
// under a NOT), found as Email/query finds them: case-insensitive substrings.

import { decodedHeader } from '@mss/mime';
import { MAIL } from '../capabilities.ts';
import { invalidArguments } from '../errors.ts';
import { FilterData, compileFilter, searchTerms } from './email-filter.ts';
import { checkGetLimit, findAccount, onlyArguments, optionalIds, resolveId, type MethodContext, type MethodTable } from './context.ts';

/** RFC 8621 §5: "a preview … of up to 255 octets"; we count characters, the octets of ASCII text. */
const PREVIEW_CHARS = 255;
/** Context kept before the first match in a preview. */
const LEAD = 40;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function pattern(terms: string[]): RegExp | undefined {
  if (terms.length === 0) return undefined;
  // Longer words first, so that "rendez-vous" is marked whole when "rendez" is looked for too.
  const sorted = [...new Set(terms)].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'giu');
}

/** `text` as HTML with every match of `re` marked; null when there is none. */
export function highlight(text: string, re: RegExp): string | null {
  let out = '';
  let at = 0;
  let found = false;
  for (const m of text.matchAll(re)) {
    if (m[0] === '') continue;
    found = true;
    out += `${escapeHtml(text.slice(at, m.index))}<mark>${escapeHtml(m[0])}</mark>`;
    at = m.index + m[0].length;
  }
  return found ? out + escapeHtml(text.slice(at)) : null;
}

/** Up to PREVIEW_CHARS of the body around its first match (white space collapsed), marked; null without a match. */
export function previewSnippet(body: string, re: RegExp): string | null {
  const text = body.replace(/\s+/g, ' ').trim();
  re.lastIndex = 0;
  const first = re.exec(text);
  re.lastIndex = 0;
  if (!first) return null;
  let start = Math.max(0, first.index - LEAD);
  // Start on a word, unless that would push the match out.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space >= 0 && space < first.index) start = space + 1;
  }
  let window = text.slice(start, start + PREVIEW_CHARS);
  // A match cut at the end of the window is not marked half.
  if (start + PREVIEW_CHARS < text.length) {
    const space = window.lastIndexOf(' ');
    if (space > first.index - start + first[0].length) window = window.slice(0, space);
  }
  return highlight(window, re);
}

async function snippetGet(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'filter', 'emailIds']);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'emailIds');
  if (ids === null) throw invalidArguments('emailIds must be an array of Ids');
  // A /get of its own kind (RFC 8621 §5.1 requestTooLarge): bounded by maxObjectsInGet, which the session announces.
  checkGetLimit(ctx, ids);
  const view = await ctx.shared.indexes.view(account.scope);
  const data = new FilterData(view, ctx.shared.blobs);
  // The filter is checked as Email/query would check it: unsupportedFilter, invalidArguments.
  if (args.filter !== undefined && args.filter !== null) compileFilter(data, args.filter);
  const terms = searchTerms(args.filter);
  const subjectRe = pattern(terms.subject);
  const bodyRe = pattern(terms.body);
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const rawId of ids) {
    const email = view.emails.get(resolveId(ctx, rawId));
    if (!email) {
      notFound.push(rawId);
      continue;
    }
    if (!subjectRe && !bodyRe) {
      list.push({ emailId: rawId, subject: null, preview: null });
      continue;
    }
    const m = await data.message(email);
    const subject = decodedHeader(m.root, 'Subject');
    list.push({
      emailId: rawId,
      subject: subjectRe && subject !== null ? highlight(subject, subjectRe) : null,
      // Cut from what the reader sees; a word found elsewhere (an attachment's text) from the searched text.
      preview: bodyRe ? (previewSnippet(m.readingText(), bodyRe) ?? previewSnippet(m.searchText(), bodyRe)) : null,
    });
  }
  return { accountId: account.id, list, notFound: notFound.length > 0 ? notFound : null };
}

export const snippetMethods: MethodTable = {
  'SearchSnippet/get': { capability: MAIL, call: snippetGet },
};
