import fs from 'node:fs';
import path from 'node:path';
import createClient, { type Client } from 'openapi-fetch';
import { MssError, loadClientEnvironment, loadConfig, type MssConfig } from '@mss/runtime';
import type { components, paths } from './generated/admin-api.ts';
import type { CommandContext, OptionSpec } from './cli.ts';
import { requireString } from './cli.ts';
import { requirePersonIdnat } from './idnat-option.ts';

/** Options of every command that talks to the running operator's admin API. */
export const API_OPTIONS: Record<string, OptionSpec> = {
  token: { type: 'string', description: 'Act with this Pro Santé Connect access token (or MSS_TOKEN)', valueName: 'jwt' },
  as: {
    type: 'string',
    description: 'Act as a demo persona key or an IdNat: gets a token from the PSC stand-in (CIBA, auto-approved)',
    valueName: 'who',
  },
  admin: {
    type: 'boolean',
    description: 'Act as the operator administrator (password from <data-dir>/admin-password or MSS_ADMIN_PASSWORD)',
  },
  api: { type: 'string', description: 'Admin API base URL', default: 'http://127.0.0.1:8080', valueName: 'url' },
  'data-dir': {
    type: 'string',
    description: 'Data directory of the running sandbox (for --admin)',
    default: './.mss-data',
    valueName: 'dir',
  },
  'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
  json: { type: 'boolean', description: 'Print JSON instead of a table' },
};

export type Mailbox = components['schemas']['Mailbox'];
export type HistoryEntry = components['schemas']['HistoryEntry'];
export type Group = components['schemas']['Group'];
export type MailboxCreation = paths['/api/v1/mailboxes']['post']['requestBody']['content']['application/json'];

/**
 * The admin API as the CLI sees it: a client typed by `generated/admin-api.ts`, which
 * `npm run gen:api` derives from the API's own OpenAPI document (a test fails when they differ).
 */
export type AdminApi = Client<paths>;

export interface ApiClient {
  config: MssConfig;
  base: string;
  api: AdminApi;
}

export function adminPasswordFile(dataDir: string): string {
  return path.join(dataDir, 'admin-password');
}

/** A fetch that turns "nothing listens there" into the one line a user can act on. */
function fetchFrom(base: string): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch {
      throw new MssError('API_UNREACHABLE', `cannot reach the admin API at ${base} (is "mss sandbox" running?)`);
    }
  };
}

/**
 * The data of a successful answer. A refusal becomes one line with its status and problem type
 * (RFC 9457 problem+json, as every error of the API is), e.g. `403 forbidden: …`.
 */
export async function answer<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  const problem = (typeof error === 'object' && error !== null ? error : {}) as Partial<components['schemas']['Problem']>;
  const code = problem.type?.replace('/problems/', '') ?? String(response.status);
  throw new MssError('API_ERROR', `${response.status} ${code}: ${problem.detail ?? problem.title ?? response.statusText}`);
}

async function personaIdnat(api: Client<paths>, base: string, who: string): Promise<string> {
  if (/^[0-9]/.test(who)) return requirePersonIdnat(who, '--as');
  const { data, response } = await api.GET('/sandbox');
  if (!data) {
    throw new MssError('USAGE', `${base} publishes no personas (${response.status}): is it "mss sandbox"? Use --token, or --as <IdNat>`, {
      exitCode: 2,
    });
  }
  const p = data.personas.find((x) => x.key === who);
  if (!p) throw new MssError('USAGE', `no persona "${who}" (known: ${data.personas.map((x) => x.key).join(', ')})`, { exitCode: 2 });
  return p.idnat;
}

/** Builds the Authorization header from --token / --as / --admin, and a client that sends it. */
export async function apiClient(ctx: CommandContext): Promise<ApiClient> {
  const config = loadConfig({ dataDir: requireString(ctx, 'data-dir'), portBase: requireString(ctx, 'port-base') });
  const base = (requireString(ctx, 'api') ?? `http://${config.host}:${config.ports.adminApi}`).replace(/\/$/, '');
  const fromEnv = loadClientEnvironment();
  const token = requireString(ctx, 'token') ?? fromEnv.token;
  const as = requireString(ctx, 'as');
  if ([token !== undefined, as !== undefined, ctx.values.admin === true].filter(Boolean).length > 1) {
    throw new MssError('USAGE', 'give only one of --token, --as and --admin', { exitCode: 2 });
  }
  const anonymous = createClient<paths>({ baseUrl: base, fetch: fetchFrom(base) });
  let authorization: string | undefined;
  if (ctx.values.admin) {
    let password = fromEnv.adminPassword;
    if (!password) {
      try {
        password = fs.readFileSync(adminPasswordFile(config.dataDir), 'utf8').trim();
      } catch {
        throw new MssError(
          'ADMIN_PASSWORD_MISSING',
          `no administrator password: set MSS_ADMIN_PASSWORD or point --data-dir at the sandbox's data directory (${adminPasswordFile(config.dataDir)} not readable)`,
        );
      }
    }
    authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  } else if (as) {
    const { cibaToken } = await import('@mss/psc');
    const idnat = await personaIdnat(anonymous, base, as);
    const t = await cibaToken({ pscUrl: `http://${config.host}:${config.ports.psc}`, idnat });
    authorization = `Bearer ${t.access_token}`;
  } else if (token) {
    authorization = `Bearer ${token}`;
  }
  const api = authorization ? createClient<paths>({ baseUrl: base, fetch: fetchFrom(base), headers: { authorization } }) : anonymous;
  return { config, base, api };
}

/** A plain table: one header row, columns padded to their widest cell. */
export function table(rows: (string | number | null | undefined)[][], header: string[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
