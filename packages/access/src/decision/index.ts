export { AccessControl, type AccessControlOptions } from './access-control.ts';
export { RevocationBus, concerns, type RevocationEvent } from './revocation.ts';
export { SessionGuard, SESSION_END_TEXT, type GuardedSession, type SessionEndReason } from './session-guard.ts';
export type {
  Channel,
  Principal,
  LocalPrincipal,
  SessionPrincipal,
  DecisionRequest,
  Decision,
  DenyReason,
  CreationRequest,
  OperatorRequest,
  PlainDecision,
  IndicatorDecision,
} from './types.ts';
