// oidc-provider ships no type declarations. This is the part of its surface the stand-in uses,
// typed from the 9.x sources (lib/provider.js, lib/models/*, lib/helpers/oidc_context.js); the
// configuration object stays loosely typed because its shape is checked by the provider itself
// at construction.

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { EventEmitter } from 'node:events';

  export type JsonObject = Record<string, unknown>;

  export interface ClientInstance {
    readonly clientId: string;
    readonly clientAuthMethod: string;
    readonly backchannelTokenDeliveryMode?: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface ResourceServerInstance {
    readonly scopes: Set<string>;
    identifier(): string;
  }

  export interface SessionInstance {
    readonly accountId?: string;
    readonly uid: string;
    grantIdFor(clientId: string, value?: string): string | undefined;
  }

  /** Fields common to the stored artefacts (codes, tokens, CIBA requests, grants). */
  export interface ModelInstance {
    jti: string;
    kind: string;
    exp?: number;
    iat?: number;
    readonly isExpired: boolean;
    readonly remainingTTL: number;
    /** Seconds of life given at issuance; `exp` is only set on instances loaded from storage. */
    readonly expiration?: number;
  }

  export interface GrantInstance extends ModelInstance {
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    getOIDCScopeEncountered(): string;
    getResourceScopeEncountered(resource: string): string;
    save(ttl?: number): Promise<string>;
  }

  export interface GrantClass {
    new (props: { accountId: string; clientId: string }): GrantInstance;
    find(id: string, options?: { ignoreExpiration?: boolean }): Promise<GrantInstance | undefined>;
  }

  export interface BackchannelAuthenticationRequestInstance extends ModelInstance {
    accountId: string;
    clientId: string;
    scope?: string;
    resource?: string | string[];
    params?: JsonObject;
    acr?: string;
    grantId?: string;
    error?: string;
  }

  export interface BackchannelAuthenticationRequestClass {
    find(id: string, options?: { ignoreExpiration?: boolean }): Promise<BackchannelAuthenticationRequestInstance | undefined>;
  }

  /** An access token as the provider builds it, before or after issuance. */
  export interface AccessTokenInstance extends ModelInstance {
    accountId?: string;
    clientId: string;
    grantId?: string;
    scope?: string;
    aud?: string | string[];
    format?: string;
    gty?: string;
  }

  /** The source of a token (authorization code, CIBA request, refresh token). */
  export interface GrantSourceInstance extends ModelInstance {
    acr?: string;
    authTime?: number;
    grantId?: string;
  }

  export interface OIDCContext {
    readonly issuer: string;
    readonly route: string;
    readonly params?: JsonObject;
    readonly client?: ClientInstance;
    readonly session: SessionInstance;
    readonly entities: {
      readonly AuthorizationCode?: GrantSourceInstance;
      readonly BackchannelAuthenticationRequest?: GrantSourceInstance;
      readonly RefreshToken?: GrantSourceInstance;
      readonly [name: string]: unknown;
    };
    readonly resourceServers: Record<string, ResourceServerInstance>;
    readonly requestParamScopes: Set<string>;
    readonly requestParamOIDCScopes: Set<string>;
    readonly requestParamClaims: Set<string>;
    readonly result?: JsonObject;
    readonly provider: Provider;
  }

  /** The subset of Koa's context the stand-in's middleware touches. */
  export interface KoaContextWithOIDC {
    readonly path: string;
    readonly method: string;
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly oidc?: OIDCContext;
    status: number;
    body: unknown;
    type: string;
    get(field: string): string;
    set(field: string, value: string): void;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims?: JsonObject, rejected?: string[]): Promise<JsonObject>;
  }

  export interface InteractionPrompt {
    name: string;
    reasons: string[];
    details: JsonObject;
  }

  export interface InteractionDetails {
    uid: string;
    exp: number;
    returnTo: string;
    prompt: InteractionPrompt;
    params: JsonObject;
    session?: { accountId?: string; uid: string };
    grantId?: string;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export class OIDCProviderError extends Error {
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
    expose: boolean;
    constructor(status: number, message: string);
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    AccessDenied: new (description?: string) => OIDCProviderError;
    InvalidBindingMessage: new (description?: string) => OIDCProviderError;
    InvalidRequest: new (description?: string) => OIDCProviderError;
    InvalidTarget: new (description?: string) => OIDCProviderError;
    UnknownUserId: new (description?: string) => OIDCProviderError;
  };

  export interface InteractionPolicyPrompt {
    readonly name: string;
    readonly checks: { remove(reason: string): void };
  }

  export const interactionPolicy: {
    base(): InteractionPolicyPrompt[] & { get(name: string): InteractionPolicyPrompt | undefined };
  };

  export default class Provider extends EventEmitter {
    constructor(issuer: string, configuration: JsonObject);
    readonly issuer: string;
    readonly Grant: GrantClass;
    readonly BackchannelAuthenticationRequest: BackchannelAuthenticationRequestClass;
    readonly Client: { find(id: string): Promise<ClientInstance | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    backchannelResult(
      request: BackchannelAuthenticationRequestInstance | string,
      result: GrantInstance | OIDCProviderError | string,
      options?: { acr?: string; amr?: string[]; authTime?: number },
    ): Promise<void>;
  }
}
