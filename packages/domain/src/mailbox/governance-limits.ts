// The operator's own governance settings: the workshops leave them to each operator's offer.

/**
 * Cotitulaires a CAB may have at once, the owner not counted (R-CAB-3). The ANS left the limit
 * to the operators (atelier #2, question 8: "laisser la limite aux offres des Opérateurs"); 20
 * covers the largest liberal group practices without FINESS while bounding the misuse the
 * workshop warned of (one "practice" mailbox shared by a whole network). See docs/choices.md.
 */
export const DEFAULT_MAX_COTITULAIRES = 20;

/**
 * How long a closed mailbox's address waits before an operator administrator may release it
 * for another holder (R-BAL-2): a year, so that every correspondent who writes at least yearly
 * has met the "unknown recipient" bounce at least once before mail can reach someone else.
 */
export const DEFAULT_ADDRESS_RELEASE_DELAY_MS = 365 * 24 * 3600 * 1000;

export interface GovernanceLimits {
  maxCotitulaires: number;
  addressReleaseDelayMs: number;
}

export const DEFAULT_GOVERNANCE_LIMITS: GovernanceLimits = {
  maxCotitulaires: DEFAULT_MAX_COTITULAIRES,
  addressReleaseDelayMs: DEFAULT_ADDRESS_RELEASE_DELAY_MS,
};
