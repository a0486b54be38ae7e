// R-ANN-1: an operator declares every mailbox it hosts; what its list leaves out is withdrawn.
// The list is read line by line as it arrives and written in batches, so a national-size
// declaration never sits in memory: only a 6-byte digest per declared address is kept.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isMailboxType } from '@mss/domain';
import type { Repositories, Store } from '@mss/store';
import { FhirError, invalid } from '../fhir/outcome.ts';
import { domainOf, requireOwnDomain, type FeedOperator } from './operators.ts';
import { checkField, parseAddress, type MailboxDeclaration, type MetadataField } from './telecom.ts';
import { columnsOf, immutable, update, withdraw, type WriteOutcome } from './writer.ts';

const BATCH = 500;
const MAX_LINE = 64 * 1024;
const MAX_REPORTED_ERRORS = 100;

export interface DeclarationSummary {
  operator: string;
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  withdrawn: number;
  /** The first rejected lines and why (at most 100). */
  errors: { line: number; address?: string; diagnostics: string }[];
}

interface Line {
  n: number;
  text: string;
}

export async function declareMailboxes(
  store: Store,
  op: FeedOperator,
  body: AsyncIterable<Buffer>,
  now: () => Date,
): Promise<DeclarationSummary> {
  const startedAt = now().toISOString();
  const summary: DeclarationSummary = {
    operator: op.name,
    received: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    withdrawn: 0,
    errors: [],
  };
  // A collision of two digests can only keep a mailbox that should go, never withdraw a declared one.
  const declared = new Set<number>();
  const reject = (line: number, diagnostics: string, address?: string) => {
    summary.rejected++;
    if (summary.errors.length < MAX_REPORTED_ERRORS) summary.errors.push({ line, ...(address ? { address } : {}), diagnostics });
  };
  const flush = async (lines: Line[]) => {
    await store.transaction(async (tx) => {
      for (const { n, text } of lines) {
        let address: string | undefined;
        try {
          const raw = parseLine(text);
          address = typeof raw.address === 'string' ? raw.address : undefined;
          if (address) declared.add(digest(address));
          const outcome = await declareOne(tx, op, raw);
          summary[outcome as 'created' | 'updated' | 'unchanged']++;
        } catch (err) {
          if (!(err instanceof FhirError)) throw err;
          reject(n, err.message, address);
        }
      }
    });
  };

  let pending: Line[] = [];
  let n = 0;
  for await (const text of lines(body)) {
    n++;
    if (text.trim() === '') continue;
    summary.received++;
    pending.push({ n, text });
    if (pending.length >= BATCH) {
      await flush(pending);
      pending = [];
    }
  }
  if (pending.length > 0) await flush(pending);
  if (body instanceof Object && 'complete' in body && (body as IncomingMessage).complete === false) {
    throw new FhirError(400, 'invalid', 'the declaration ended before its end: nothing was withdrawn');
  }
  summary.withdrawn = await withdrawUndeclared(store, op, declared, startedAt);
  return summary;
}

async function declareOne(tx: Repositories, op: FeedOperator, raw: Record<string, unknown>): Promise<WriteOutcome> {
  const address = parseAddress(raw.address, 'address');
  requireOwnDomain(op, address);
  if (!isMailboxType(raw.type)) throw invalid(`type must be PER, ORG, APP or CAB, got ${JSON.stringify(raw.type)}`);
  const type = raw.type;
  const m: MailboxDeclaration = { address, type };
  for (const f of ['listeRouge', 'description', 'service', 'responsible', 'digitization'] as MetadataField[]) {
    if (raw[f] !== undefined) (m as unknown as Record<string, unknown>)[f] = checkField(f, raw[f], type, f);
  }
  const owner = typeof raw.ownerIdnat === 'string' ? raw.ownerIdnat : '';
  const situationId = typeof raw.situationId === 'string' && raw.situationId !== '' ? raw.situationId : null;
  if (type === 'PER' || type === 'CAB') {
    const person = await tx.directory.person(owner);
    if (!person || person.kind === 'PATIENT')
      throw invalid(`ownerIdnat ${JSON.stringify(owner)} is not a professional the directory knows`);
    if (situationId) {
      const s = await tx.directory.situation(situationId);
      if (!s || s.person_idnat !== owner) throw invalid(`situationId ${situationId} is not a situation d'exercice of ${owner}`);
    }
  } else {
    if (!(await tx.directory.structure(owner))) throw invalid(`ownerIdnat ${JSON.stringify(owner)} is not a structure the directory knows`);
    if (situationId) throw invalid(`an ${type} mailbox is attached to its structure, not to a situation d'exercice`);
  }
  const existing = await tx.mailboxes.byAddress(address);
  if (!existing) {
    await tx.mailboxes.create({
      address,
      type,
      ownerIdnat: owner,
      situationId,
      listeRouge: m.listeRouge ?? false,
      description: m.description ?? null,
      service: m.service ?? null,
      digitization: m.digitization ?? true,
    });
    return 'created';
  }
  immutable(existing, m);
  return update(tx, existing, { owner_idnat: owner, situation_id: situationId, status: 'active', ...columnsOf(m) });
}

/** Walks the directory's live mailboxes by id; those in the operator's domains not declared go. */
async function withdrawUndeclared(store: Store, op: FeedOperator, declared: Set<number>, startedAt: string): Promise<number> {
  let withdrawn = 0;
  let afterId: number | undefined;
  for (;;) {
    const page = await store.mailboxes.list({ afterId, limit: 2000 });
    if (page.length === 0) return withdrawn;
    afterId = page.at(-1)!.id;
    // Changed since the declaration began: a concurrent PATCH the list could not know about.
    const gone = page.filter(
      (m) => op.domains.includes(domainOf(m.address)) && m.updated_at < startedAt && !declared.has(digest(m.address)),
    );
    if (gone.length > 0) {
      await store.transaction(async (tx) => {
        for (const m of gone) await withdraw(tx, m, new Date().toISOString());
      });
      withdrawn += gone.length;
    }
  }
}

function digest(address: string): number {
  return createHash('sha1').update(address.toLowerCase()).digest().readUIntBE(0, 6);
}

function parseLine(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid('not a JSON object');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid('not a JSON object');
  return v as Record<string, unknown>;
}

/** NDJSON lines as they arrive; a line over 64 KiB ends the declaration (nothing withdrawn). */
async function* lines(body: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of body) {
    rest += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, i).replace(/\r$/, '');
      rest = rest.slice(i + 1);
    }
    if (rest.length > MAX_LINE)
      throw new FhirError(413, 'too-costly', `a declaration line is over ${MAX_LINE} bytes: nothing was withdrawn`);
  }
  rest += decoder.decode();
  if (rest !== '') yield rest;
}
