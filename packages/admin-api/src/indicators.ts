// The Ségur indicators of a month as the admin API and the dashboard show them (R-IND-1): the
// decision point says which rows the caller may read (all of the operator's, or their own), the
// store's ledger gives the month's events, the domain turns them into rows.

import type { AccessControl, Channel, Principal } from '@mss/access';
import { indicatorRows, type IndicatorRow } from '@mss/domain';
import { GovernanceError } from '@mss/governance';
import type { Store } from '@mss/store';

export interface IndicatorReport {
  period: string;
  operator: string;
  /** `operator`: every row of the operator; `own`: the rows counted for the caller. */
  scope: 'operator' | 'own';
  generatedAt: string;
  rows: IndicatorRow[];
}

export async function readIndicators(
  deps: { store: Store; access: AccessControl; operator: string },
  who: { principal: Principal; clientId: string | null; channel: Channel },
  period: string,
): Promise<IndicatorReport> {
  const d = await deps.access.decideIndicators({ principal: who.principal, channel: who.channel, clientId: who.clientId });
  if (!d.allowed) throw new GovernanceError('forbidden', d.detail);
  const groups = await deps.store.indicators.groups(period, d.only === null ? {} : { idnat: d.only });
  return {
    period,
    operator: deps.operator,
    scope: d.only === null ? 'operator' : 'own',
    generatedAt: new Date().toISOString(),
    rows: indicatorRows(period, deps.operator, groups),
  };
}
