// RFC 5322 §3.2.2 comments, which may appear wherever CFWS is allowed in a structured field.

/** The text with its comments (nested, with quoted pairs) replaced by one space each. */
export function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (depth === 0) {
      // A quoted string may hold a '(' that opens nothing.
      if (ch === '"') quoted = !quoted;
      else if (ch === '\\' && quoted) {
        out += ch + (value[i + 1] ?? '');
        i++;
        continue;
      } else if (ch === '(' && !quoted) {
        depth = 1;
        out += ' ';
        continue;
      }
      out += ch;
    } else if (ch === '\\') {
      i++;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
    }
  }
  return out;
}
