import { raw, untagged, untaggedStatus, atom, type ImapToken } from '../protocol/index.ts';

/** RFC 3501 §2.3.2: the system flags a client may set (`\Recent` is the server's). */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

function flagsToken(keywords: Iterable<string>, wildcard: boolean): ImapToken {
  return raw(`(${[...SYSTEM_FLAGS, ...keywords, ...(wildcard ? ['\\*'] : [])].join(' ')})`);
}

/**
 * `* FLAGS (…)` and `* OK [PERMANENTFLAGS (…)]` naming the folder's keywords (RFC 3501 §7.2.6,
 * §7.1; RFC 9051 §7.3.5): sent at SELECT, and again before the first FETCH that shows a keyword
 * the client was not told of, so that a client may rely on the FLAGS list naming every flag in use.
 */
export function flagsResponses(keywords: Iterable<string>, readOnly: boolean): Buffer[] {
  const list = [...keywords];
  return [
    untagged(atom('FLAGS'), flagsToken(list, false)),
    untaggedStatus('OK', 'Permanent flags', ['PERMANENTFLAGS', readOnly ? raw('()') : flagsToken(list, true)]),
  ];
}

/** A FETCH FLAGS list, `\Recent` last when the message is recent in this session (RFC 3501 §2.3.2). */
export function flagsText(flags: string | readonly string[], recent: boolean): string {
  const text = typeof flags === 'string' ? flags : flags.join(' ');
  return recent ? (text ? `(${text} \\Recent)` : '(\\Recent)') : `(${text})`;
}
