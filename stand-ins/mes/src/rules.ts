// The patient messaging rules of the domain reference §8, as pure functions over a conversation's
// state: what a professional's message does to it (R-MES-1, R-MES-2) and whether the patient may
// write (R-MES-1, R-MES-2).

import type { MssHeaders } from '@mss/mime';

export type ConversationState = 'open' | 'ended';

/** Why the patient may not write to a professional address, with the reason the patient reads. */
export type WriteRefusal = { rule: 'R-MES-1'; code: 'never-wrote'; text: string } | { rule: 'R-MES-2'; code: 'ended'; text: string };

export type WriteDecision = { allowed: true } | ({ allowed: false } & WriteRefusal);

/**
 * R-MES-1: a patient writes to a professional address only once that address has written to
 * them; R-MES-2: not after the professional ended the exchange, until they write again.
 */
export function mayWrite(state: ConversationState | undefined): WriteDecision {
  if (state === undefined)
    return {
      allowed: false,
      rule: 'R-MES-1',
      code: 'never-wrote',
      text: "Vous pourrez écrire à ce professionnel quand il vous aura écrit : c'est toujours le professionnel qui commence l'échange.",
    };
  if (state === 'ended')
    return {
      allowed: false,
      rule: 'R-MES-2',
      code: 'ended',
      text: "Le professionnel a mis fin à l'échange. Vous pouvez relire ses messages ; vous pourrez lui écrire de nouveau s'il vous écrit.",
    };
  return { allowed: true };
}

/** How a professional's message ended the exchange, if it did (R-MES-2 honours both forms). */
export type EndMark = 'header' | 'subject';

/**
 * R-MES-2: `X-MSS-MES: FIN` (Ref. #2 ECO.2.2.8), or the historical subject starting with `[FIN]`
 * (our reading: at the start, after white space, any case; a `[FIN]` further on, as in
 * `Re: [FIN] …`, does not end anything).
 */
export function endMark(mss: MssHeaders, subject: string | null): EndMark | null {
  if (mss.mesFin) return 'header';
  if (subject !== null && /^\s*\[FIN\]/i.test(subject)) return 'subject';
  return null;
}

export interface InboundEffect {
  event: 'professional-wrote' | 'ended';
  state: ConversationState;
  detail: string | null;
}

/** What a professional's message does to the conversation: ends it, or opens (or reopens) it. */
export function inboundEffect(previous: ConversationState | undefined, mark: EndMark | null): InboundEffect {
  if (mark) return { event: 'ended', state: 'ended', detail: mark === 'header' ? 'X-MSS-MES: FIN' : 'subject [FIN]' };
  return {
    event: 'professional-wrote',
    state: 'open',
    detail: previous === undefined ? 'first message' : previous === 'ended' ? 'reopened after the end of the exchange' : null,
  };
}
