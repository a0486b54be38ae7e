/** Folder names and special uses. The hierarchy delimiter is `/`; INBOX is always there. */
export const DELIMITER = '/';

/** RFC 6154 folders, created the first time a mailbox is opened over IMAP. */
export const SPECIAL_USE: Record<string, string> = {
  Sent: '\\Sent',
  Drafts: '\\Drafts',
  Trash: '\\Trash',
  Junk: '\\Junk',
};

export function normaliseFolderName(name: string): string {
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** A LIST pattern (`*` any characters, `%` any but the delimiter) as a regular expression. */
export function listPatternToRegExp(reference: string, pattern: string): RegExp {
  const full = reference + pattern;
  let re = '';
  for (const ch of full) {
    if (ch === '*') re += '.*';
    else if (ch === '%') re += `[^${DELIMITER}]*`;
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  // INBOX matches case-insensitively; other names exactly.
  return new RegExp(`^${re}$`, /^inbox/i.test(full) ? 'i' : '');
}

export function isValidFolderName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith(DELIMITER) &&
    !name.endsWith(DELIMITER) &&
    !name.includes(`${DELIMITER}${DELIMITER}`) &&
    !/[\x00-\x1f\x7f]/.test(name)
  );
}
