import fs from 'node:fs';
import path from 'node:path';
import { MssError, loadClientEnvironment, loadConfig, type MssConfig } from '@mss/runtime';
import type { CommandContext, OptionSpec } from './cli.ts';
import { requireString } from './cli.ts';

/** Options of every command that talks to the running operator's admin API. */
export const API_OPTIONS: Record<string, OptionSpec> = {
  token: { type: 'string', description: 'Act with this Pro Santé Connect access token (or MSS_TOKEN)', valueName: 'jwt' },
  as: { type: 'string', description: 'Act as a demo persona key or an IdNat: gets a token from the PSC stand-in (CIBA, auto-approved)', valueName: 'who' },
  admin: { type: 'boolean', description: 'Act as the operator administrator (password from <data-dir>/admin-password or MSS_ADMIN_PASSWORD)' },
  api: { type: 'string', description: 'Admin API base URL', default: 'http://127.0.0.1:8080', valueName: 'url' },
  'data-dir': { type: 'string', description: 'Data directory of the running sandbox (for --admin)', default: './.mss-data', valueName: 'dir' },
  'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
  json: { type: 'boolean', description: 'Print JSON instead of a table' },
};

export interface ApiClient {
  config: MssConfig;
  base: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

export function adminPasswordFile(dataDir: string): string {
  return path.join(dataDir, 'admin-password');
}

async function personaIdnat(config: MssConfig, base: string, who: string): Promise<string> {
  if (/^[0-9]/.test(who)) return who;
  let info: { personas?: { key: string; idnat: string }[] };
  try {
    info = (await (await fetch(`${base}/sandbox`)).json()) as typeof info;
  } catch {
    throw new MssError('API_UNREACHABLE', `cannot reach the sandbox at ${base} to look up persona "${who}" (is "mss sandbox" running?)`);
  }
  const p = info.personas?.find((x) => x.key === who);
  if (!p) throw new MssError('USAGE', `no persona "${who}" (known: ${(info.personas ?? []).map((x) => x.key).join(', ')})`, { exitCode: 2 });
  return p.idnat;
}

/** Builds the Authorization header from --token / --as / --admin, then calls the API. */
export async function apiClient(ctx: CommandContext): Promise<ApiClient> {
  const config = loadConfig({ dataDir: requireString(ctx, 'data-dir'), portBase: requireString(ctx, 'port-base') });
  const base = (requireString(ctx, 'api') ?? `http://${config.host}:${config.ports.adminApi}`).replace(/\/$/, '');
  let authorization: string | undefined;
  const fromEnv = loadClientEnvironment();
  const token = requireString(ctx, 'token') ?? fromEnv.token;
  const as = requireString(ctx, 'as');
  if ([token !== undefined, as !== undefined, ctx.values.admin === true].filter(Boolean).length > 1) {
    throw new MssError('USAGE', 'give only one of --token, --as and --admin', { exitCode: 2 });
  }
  if (ctx.values.admin) {
    let password = fromEnv.adminPassword;
    if (!password) {
      try {
        password = fs.readFileSync(adminPasswordFile(config.dataDir), 'utf8').trim();
      } catch {
        throw new MssError('ADMIN_PASSWORD_MISSING', `no administrator password: set MSS_ADMIN_PASSWORD or point --data-dir at the sandbox's data directory (${adminPasswordFile(config.dataDir)} not readable)`);
      }
    }
    authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  } else if (as) {
    const { cibaToken } = await import('@mss/psc');
    const idnat = await personaIdnat(config, base, as);
    const t = await cibaToken({ pscUrl: `http://${config.host}:${config.ports.psc}`, idnat });
    authorization = `Bearer ${t.access_token}`;
  } else if (token) {
    authorization = `Bearer ${token}`;
  }
  return {
    config,
    base,
    async call(method, p, body) {
      let res: Response;
      try {
        res = await fetch(`${base}${p}`, {
          method,
          headers: { ...(authorization ? { authorization } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch {
        throw new MssError('API_UNREACHABLE', `cannot reach the admin API at ${base} (is "mss sandbox" running?)`);
      }
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as unknown) : undefined;
      if (!res.ok) {
        const prob = (parsed ?? {}) as { type?: string; detail?: string; title?: string; acceptUrl?: string };
        const code = prob.type?.replace('/problems/', '') ?? String(res.status);
        throw new MssError('API_ERROR', `${res.status} ${code}: ${prob.detail ?? prob.title ?? res.statusText}`);
      }
      return parsed as any;
    },
  };
}

export function mailboxPath(address: string): string {
  return `/api/v1/mailboxes/${encodeURIComponent(address)}`;
}

/** A plain table: one header row, columns padded to their widest cell. */
export function table(rows: (string | number | null | undefined)[][], header: string[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
