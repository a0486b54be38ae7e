// The identity providers of FINESS structures that authenticate their own staff (issue #20 rule 6),
// as the operator configures them: MSS_STRUCTURE_IDPS, a JSON array inline or the path of a JSON
// file holding it. Each entry binds one issuer to one structure; a mistake stops the start with
// the entry and the field named.

import { readFileSync } from 'node:fs';
import { checkFiness } from '@mss/domain';
import { MssError } from './errors.ts';
import type { Environment } from './env.ts';

export interface StructureIdpSetting {
  /** The structure (9-character FINESS) whose ORG mailboxes its staff may open. */
  finess: string;
  /** The provider's exact `iss`; its keys are found by OpenID discovery unless `jwksUri` is given. */
  issuer: string;
  audience?: string[];
  jwksUri?: string;
  /** The claim holding the structure's identifier of the person (default `sub`). */
  subjectClaim?: string;
}

const VARIABLE = 'MSS_STRUCTURE_IDPS';
const FIELDS = new Set(['finess', 'issuer', 'audience', 'jwksUri', 'subjectClaim']);

function invalid(message: string): MssError {
  return new MssError('CONFIG_INVALID', `${VARIABLE}: ${message}`, { exitCode: 2 });
}

function httpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const u = URL.parse(value);
  return u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.search === '' && u.hash === '';
}

/** Reads and checks MSS_STRUCTURE_IDPS; none configured is an empty list. */
export function loadStructureIdps(env: Environment): StructureIdpSetting[] {
  const raw = env[VARIABLE]?.trim();
  if (!raw) return [];
  let text = raw;
  if (!/^[[{]/.test(raw)) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch (err) {
      throw invalid(
        `cannot read ${raw} (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a JSON array or the path of a file holding one`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw invalid('must be a JSON array of { "finess", "issuer", "audience"?, "jwksUri"?, "subjectClaim"? }');
  const out: StructureIdpSetting[] = [];
  const issuers = new Set<string>();
  const finesses = new Set<string>();
  parsed.forEach((entry: unknown, i) => {
    const at = `entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalid(`${at} is not an object`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!FIELDS.has(key)) throw invalid(`${at}: unknown field "${key}"`);
    const f = typeof e.finess === 'string' ? checkFiness(e.finess) : undefined;
    if (!f?.ok) throw invalid(`${at}: finess ${JSON.stringify(e.finess)} is not a FINESS${f && !f.ok ? ` (${f.error.message})` : ''}`);
    if (!httpUrl(e.issuer)) throw invalid(`${at} (FINESS ${f.value.finess}): issuer ${JSON.stringify(e.issuer)} is not an http(s) URL`);
    if (e.jwksUri !== undefined && !httpUrl(e.jwksUri)) throw invalid(`${at} (FINESS ${f.value.finess}): jwksUri is not an http(s) URL`);
    const audience = typeof e.audience === 'string' ? [e.audience] : e.audience;
    if (
      audience !== undefined &&
      (!Array.isArray(audience) || audience.length === 0 || !audience.every((a) => typeof a === 'string' && a !== ''))
    )
      throw invalid(`${at} (FINESS ${f.value.finess}): audience must be a non-empty string or list of strings`);
    if (e.subjectClaim !== undefined && (typeof e.subjectClaim !== 'string' || e.subjectClaim === ''))
      throw invalid(`${at} (FINESS ${f.value.finess}): subjectClaim must be a claim name`);
    if (finesses.has(f.value.finess)) throw invalid(`${at}: FINESS ${f.value.finess} is configured twice (one issuer per structure)`);
    if (issuers.has(e.issuer)) throw invalid(`${at}: issuer ${e.issuer} is configured for two structures`);
    finesses.add(f.value.finess);
    issuers.add(e.issuer);
    out.push({
      finess: f.value.finess,
      issuer: e.issuer,
      ...(audience ? { audience: audience as string[] } : {}),
      ...(typeof e.jwksUri === 'string' ? { jwksUri: e.jwksUri } : {}),
      ...(typeof e.subjectClaim === 'string' ? { subjectClaim: e.subjectClaim } : {}),
    });
  });
  return out;
}
