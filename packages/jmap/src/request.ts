// The API request (RFC 8620 §3.3–§3.7): read and check the Request object, resolve result
// references (§3.7), call each method in order, and answer with the Response object. Limits
// announced in the session resource are enforced here (maxSizeRequest, maxCallsInRequest,
// maxConcurrentRequests) and by the methods (maxObjectsInGet, maxObjectsInSet).

import { CORE, KNOWN_CAPABILITIES, type CoreLimits } from './capabilities.ts';
import { MethodError, RequestError } from './errors.ts';
import type { MethodContext, MethodTable } from './methods/context.ts';
import type { JmapSession } from './session.ts';

type Invocation = [string, Record<string, unknown>, string];

export interface JmapResponse {
  methodResponses: Invocation[];
  createdIds?: Record<string, string>;
  sessionState: string;
}

const ID = /^[A-Za-z0-9_-]{1,255}$/;

/** RFC 8620 §3.3: the Request object's shape, or a notRequest error naming what is wrong. */
export function readRequest(
  body: Buffer,
  limits: CoreLimits,
): { using: string[]; calls: Invocation[]; createdIds: Map<string, string> | null } {
  if (body.length > limits.maxSizeRequest) {
    throw new RequestError('limit', `the request is larger than maxSizeRequest (${limits.maxSizeRequest} octets)`, {
      limit: 'maxSizeRequest',
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RequestError('notJSON', 'the request body is not JSON (RFC 8620 §3.6.1)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RequestError('notRequest', 'the request is not a JSON object');
  const req = value as Record<string, unknown>;
  if (!Array.isArray(req.using) || !req.using.every((u) => typeof u === 'string')) {
    throw new RequestError('notRequest', '"using" must be an array of capability strings');
  }
  if (!Array.isArray(req.methodCalls)) throw new RequestError('notRequest', '"methodCalls" must be an array of invocations');
  for (const c of req.methodCalls) {
    if (
      !Array.isArray(c) ||
      c.length !== 3 ||
      typeof c[0] !== 'string' ||
      typeof c[1] !== 'object' ||
      c[1] === null ||
      Array.isArray(c[1]) ||
      typeof c[2] !== 'string'
    ) {
      throw new RequestError('notRequest', 'each method call must be [name, arguments object, method call id]');
    }
  }
  let createdIds: Map<string, string> | null = null;
  if (req.createdIds !== undefined) {
    if (typeof req.createdIds !== 'object' || req.createdIds === null || Array.isArray(req.createdIds)) {
      throw new RequestError('notRequest', '"createdIds" must be an object of ids');
    }
    createdIds = new Map();
    for (const [k, v] of Object.entries(req.createdIds)) {
      if (typeof v !== 'string' || !ID.test(v)) throw new RequestError('notRequest', `"createdIds" value of ${k} is not an Id`);
      createdIds.set(k, v);
    }
  }
  for (const u of req.using as string[]) {
    if (!KNOWN_CAPABILITIES.has(u)) {
      throw new RequestError('unknownCapability', `the server does not support the capability ${u}`);
    }
  }
  if (req.methodCalls.length > limits.maxCallsInRequest) {
    throw new RequestError('limit', `more than maxCallsInRequest (${limits.maxCallsInRequest}) method calls`, {
      limit: 'maxCallsInRequest',
    });
  }
  return { using: req.using as string[], calls: req.methodCalls as Invocation[], createdIds };
}

/** Runs the calls in order (RFC 8620 §3.3: each sees the effects of those before it). */
export async function runRequest(
  session: JmapSession,
  request: ReturnType<typeof readRequest>,
  methods: MethodTable,
  base: Omit<MethodContext, 'session' | 'using' | 'createdIds' | 'callId'>,
): Promise<JmapResponse> {
  const responses: Invocation[] = [];
  const createdIds = request.createdIds ?? new Map<string, string>();
  const using = new Set(request.using);
  for (const [name, rawArgs, callId] of request.calls) {
    const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
    // RFC 8620 §3.6.2: a method of a capability the client did not ask for is unknown too.
    if (!method || !using.has(method.capability) || !using.has(CORE)) {
      responses.push(['error', new MethodError('unknownMethod', `unknown method ${name}`).toJSON(), callId]);
      continue;
    }
    try {
      const args = resolveReferences(rawArgs, responses);
      const ctx: MethodContext = { ...base, session, using, createdIds, callId };
      const out = await method.call(ctx, args);
      for (const [n, a] of Array.isArray(out) ? out : [[name, out] as [string, Record<string, unknown>]]) responses.push([n, a, callId]);
    } catch (err) {
      if (err instanceof MethodError) responses.push(['error', err.toJSON(), callId]);
      else {
        base.logger.error({ err, method: name }, 'jmap method failed');
        responses.push(['error', new MethodError('serverFail', 'the method failed on the server').toJSON(), callId]);
      }
    }
  }
  return {
    methodResponses: responses,
    ...(request.createdIds ? { createdIds: Object.fromEntries(createdIds) } : {}),
    sessionState: session.state,
  };
}

/** RFC 8620 §3.7: `#name: {resultOf, name, path}` becomes `name:` the value found. */
function resolveReferences(args: Record<string, unknown>, responses: Invocation[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) continue;
    const plain = key.slice(1);
    if (Object.hasOwn(args, plain)) throw new MethodError('invalidArguments', `both ${key} and ${plain} are given`);
    const ref = value as { resultOf?: unknown; name?: unknown; path?: unknown } | null;
    if (
      typeof ref !== 'object' ||
      ref === null ||
      typeof ref.resultOf !== 'string' ||
      typeof ref.name !== 'string' ||
      typeof ref.path !== 'string'
    ) {
      throw new MethodError('invalidResultReference', `${key} is not a ResultReference`);
    }
    const source = responses.find((r) => r[2] === ref.resultOf);
    if (!source || source[0] !== ref.name) {
      throw new MethodError('invalidResultReference', `no ${ref.name} response with method call id ${ref.resultOf} before this call`);
    }
    const found = evaluatePointer(source[1], ref.path);
    if (found === undefined) throw new MethodError('invalidResultReference', `the path ${ref.path} matches nothing in ${ref.resultOf}`);
    out[plain] = found;
  }
  for (const [key, value] of Object.entries(args)) if (!key.startsWith('#')) out[key] = value;
  return out;
}

/** RFC 6901 JSON Pointer with RFC 8620 §3.7's `*` over arrays (results flattened one level). */
export function evaluatePointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
  const walk = (v: unknown, i: number): unknown => {
    if (i === tokens.length) return v;
    const t = tokens[i]!;
    if (Array.isArray(v)) {
      if (t === '*') {
        const parts = v.map((x) => walk(x, i + 1));
        if (parts.some((p) => p === undefined)) return undefined;
        return parts.flatMap((p) => (Array.isArray(p) ? p : [p]));
      }
      if (!/^(0|[1-9]\d*)$/.test(t)) return undefined;
      return walk(v[Number(t)], i + 1);
    }
    if (typeof v === 'object' && v !== null && Object.hasOwn(v, t)) return walk((v as Record<string, unknown>)[t], i + 1);
    return undefined;
  };
  return walk(value, 0);
}
