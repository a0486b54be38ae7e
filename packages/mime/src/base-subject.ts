// The "base subject" of RFC 5256 §2.1, which SORT SUBJECT and both THREAD algorithms compare:
// the subject without the `Re:`, `Fwd:`, `[list]` and `(fwd)` that mail software adds. The RFC
// says every server MUST use exactly this procedure, so it is written step by step.
//
//   subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
//   subj-blob    = "[" *BLOBCHAR "]" *WSP
//   subj-leader  = (*subj-blob subj-refwd) / WSP
//   subj-trailer = "(fwd)" / WSP
//   subj-fwd     = "[fwd:" subject "]"

export interface BaseSubject {
  /** The base subject, case kept (comparisons apply their collation). */
  readonly base: string;
  /**
   * A subj-refwd, a `(fwd)` trailer or a `[fwd: …]` was removed: the message is a reply or a
   * forward (THREAD=REFERENCES step 5 ranks such a message after the original).
   */
  readonly replyOrForward: boolean;
}

/** The subject, decoded (RFC 2047 words undone, step 1's first half), or null when absent. */
export function baseSubject(subject: string | null): BaseSubject {
  // (1) tabs and continuations become spaces, runs of spaces one space.
  let s = (subject ?? '').replace(/[\t\r\n]/g, ' ').replace(/ {2,}/g, ' ');
  let replyOrForward = false;
  for (;;) {
    // (2) subj-trailer, repeatedly.
    for (;;) {
      if (s.endsWith(' ')) s = s.slice(0, -1);
      else if (s.length >= 5 && s.slice(-5).toLowerCase() === '(fwd)') {
        s = s.slice(0, -5);
        replyOrForward = true;
      } else break;
    }
    // (3), (4), repeated (5).
    for (;;) {
      if (s.startsWith(' ')) {
        s = s.slice(1);
        continue;
      }
      const leader = refwdLeader(s);
      if (leader > 0) {
        s = s.slice(leader);
        replyOrForward = true;
        continue;
      }
      const blob = blobLength(s, 0);
      if (blob > 0 && blob < s.length) {
        s = s.slice(blob);
        continue;
      }
      break;
    }
    // (6) [fwd: subject] — then again from (2).
    if (s.length >= 6 && s.slice(0, 5).toLowerCase() === '[fwd:' && s.endsWith(']')) {
      s = s.slice(5, -1);
      replyOrForward = true;
      continue;
    }
    return { base: s, replyOrForward };
  }
}

/** Length of a subj-blob at `at` (its trailing spaces included), 0 when there is none. */
function blobLength(s: string, at: number): number {
  if (s[at] !== '[') return 0;
  let i = at + 1;
  while (i < s.length && s[i] !== ']') {
    if (s[i] === '[') return 0;
    i++;
  }
  if (i >= s.length) return 0;
  i++;
  while (s[i] === ' ') i++;
  return i - at;
}

/** Length of `*subj-blob subj-refwd` at the start of `s`, 0 when it is not one. */
function refwdLeader(s: string): number {
  let i = 0;
  for (let b = blobLength(s, i); b > 0; b = blobLength(s, i)) i += b;
  const lower = s.slice(i, i + 3).toLowerCase();
  if (lower.startsWith('re')) i += 2;
  else if (lower === 'fwd') i += 3;
  else if (lower.startsWith('fw')) i += 2;
  else return 0;
  while (s[i] === ' ') i++;
  i += blobLength(s, i);
  return s[i] === ':' ? i + 1 : 0;
}
