// What CAPABILITY announces, which depends on the connection: authentication only after TLS
// (issue #6: STARTTLS before authenticating, LOGIN only on the bench listener).

export const BASE_CAPABILITIES = [
  'IMAP4rev1',
  'IMAP4rev2',
  'LITERAL+',
  'LITERAL-',
  'IDLE',
  'UIDPLUS',
  'MOVE',
  'NAMESPACE',
  'SPECIAL-USE',
  'ENABLE',
  'CONDSTORE',
  'QRESYNC',
  'ID',
  'UNSELECT',
  'ESEARCH',
  'SORT',
  'THREAD=ORDEREDSUBJECT',
  'THREAD=REFERENCES',
  'WITHIN',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'CHILDREN',
  'STATUS=SIZE',
  'OBJECTID',
  'SAVEDATE',
  'BINARY',
] as const;

export interface CapabilityState {
  /** TLS is active on this connection. */
  readonly tls: boolean;
  readonly authenticated: boolean;
  /** The listener can upgrade with STARTTLS (default true). */
  readonly starttlsAvailable?: boolean;
  /** LOGIN accepted: the bench-only listener. Otherwise LOGINDISABLED is announced. */
  readonly loginEnabled?: boolean;
  /** SASL mechanisms offered once TLS is up (default XOAUTH2, OAUTHBEARER). */
  readonly saslMechanisms?: readonly string[];
  /** Further capabilities, e.g. QUOTA when implemented. */
  readonly extra?: readonly string[];
}

export function capabilityList(state: CapabilityState): string[] {
  const caps: string[] = [...BASE_CAPABILITIES, ...(state.extra ?? [])];
  if (state.authenticated) return caps;
  if (!state.tls && (state.starttlsAvailable ?? true)) caps.push('STARTTLS');
  if (state.tls) {
    caps.push(...(state.saslMechanisms ?? ['XOAUTH2', 'OAUTHBEARER']).map((m) => `AUTH=${m}`), 'SASL-IR');
  }
  if (!state.loginEnabled) caps.push('LOGINDISABLED');
  return caps;
}

/** The text after `* CAPABILITY ` or inside `[CAPABILITY …]`. */
export function capabilityString(state: CapabilityState): string {
  return capabilityList(state).join(' ');
}
