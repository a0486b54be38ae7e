// Scenario files: what the vendor is asked to do with their software, what the kit prepares
// beforehand, and what it expects to observe. The format is documented in ../README.md; the
// shipped scenarios are in ../scenarios/.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Persona {
  readonly name: string;
  readonly idnat: string;
  readonly mailbox: string;
}

export interface Actor {
  readonly idnat: string;
  readonly mailbox: string;
  /** Which operator of the sandbox hosts the mailbox (default a). */
  readonly operator?: 'a' | 'b';
}

export type SetupAction =
  | {
      readonly action: 'deliver';
      readonly from: Actor;
      readonly to: string;
      readonly subject: string;
      readonly text: string;
      /** A sample CDA of @mss/xdm (`dischargeLetter`, `labReport`, `specialistLetter`) sent in IHE_XDM. */
      readonly document?: string;
    }
  | { readonly action: 'patient-writes'; readonly ins: string; readonly to: string; readonly subject: string; readonly text: string }
  | {
      /** Answers the first message the persona sends to this mailbox, as its holder would. */
      readonly action: 'auto-reply';
      readonly as: Actor;
      readonly text: string;
    };

export type Expectation =
  | { readonly observe: 'psc-token' }
  | { readonly observe: 'directory-lookup' }
  | {
      readonly observe: 'smtp-send';
      readonly to?: string;
      readonly toPatient?: boolean;
      readonly withDocument?: boolean;
      readonly inReplyTo?: boolean;
      readonly from?: string;
    }
  | { readonly observe: 'imap-login'; readonly mailbox: string; readonly idnat: string }
  | { readonly observe: 'imap-read'; readonly mailbox: string }
  | { readonly observe: 'imap-move'; readonly mailbox: string };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Who the vendor's software acts for. */
  readonly persona: Persona;
  readonly setup: readonly SetupAction[];
  /** What the vendor does, in order. */
  readonly steps: readonly string[];
  readonly expect: readonly Expectation[];
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

export const SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

const OBSERVATIONS = new Set(['psc-token', 'directory-lookup', 'smtp-send', 'imap-login', 'imap-read', 'imap-move']);
const ACTIONS = new Set(['deliver', 'patient-writes', 'auto-reply']);

function need(cond: unknown, where: string, what: string): asserts cond {
  if (!cond) throw new ScenarioError(`${where}: ${what}`);
}

/** Checks a parsed scenario and names the first thing wrong (file and field). */
export function validateScenario(value: unknown, where: string): Scenario {
  const s = value as Partial<Scenario>;
  need(typeof s === 'object' && s !== null, where, 'not a JSON object');
  for (const k of ['id', 'title', 'description'] as const)
    need(typeof s[k] === 'string' && s[k] !== '', where, `"${k}" must be a non-empty string`);
  need(/^[a-z0-9-]+$/.test(s.id ?? ''), where, '"id" must be lower-case letters, digits and hyphens');
  const p = s.persona;
  need(
    p && typeof p.idnat === 'string' && typeof p.mailbox === 'string' && typeof p.name === 'string',
    where,
    '"persona" needs name, idnat and mailbox',
  );
  need(
    Array.isArray(s.steps) && s.steps.length > 0 && s.steps.every((x) => typeof x === 'string'),
    where,
    '"steps" must be a non-empty list of strings',
  );
  need(Array.isArray(s.setup ?? []), where, '"setup" must be a list');
  for (const [i, a] of (s.setup ?? []).entries())
    need(ACTIONS.has((a as { action?: string }).action ?? ''), where, `setup[${i}].action must be one of ${[...ACTIONS].join(', ')}`);
  need(Array.isArray(s.expect), where, '"expect" must be a list');
  for (const [i, e] of (s.expect ?? []).entries())
    need(
      OBSERVATIONS.has((e as { observe?: string }).observe ?? ''),
      where,
      `expect[${i}].observe must be one of ${[...OBSERVATIONS].join(', ')}`,
    );
  return { ...s, setup: s.setup ?? [] } as Scenario;
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ScenarioError(`${file}: cannot be read`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${file}: not JSON (${(err as Error).message})`);
  }
  return validateScenario(value, file);
}

export function shippedScenarios(): Scenario[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadScenarioFile(path.join(SCENARIO_DIR, f)));
}

/** A shipped scenario by id, or a scenario file by path. */
export function findScenario(idOrFile: string): Scenario {
  if (idOrFile.endsWith('.json')) return loadScenarioFile(idOrFile);
  const found = shippedScenarios().find((s) => s.id === idOrFile);
  if (!found)
    throw new ScenarioError(
      `no shipped scenario "${idOrFile}" (shipped: ${shippedScenarios()
        .map((s) => s.id)
        .join(', ')})`,
    );
  return found;
}
