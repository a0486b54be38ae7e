// A FHIR PATCH body (`Parameters` with `operation` parameters, FHIRPath Patch) turned into the
// mailbox changes this directory understands.

import { invalid } from '../fhir/outcome.ts';
import { parsePatchPath } from './patch-path.ts';
import { parseAddress, parseMailboxTelecom, choiceValue, type MailboxDeclaration, type MetadataField } from './telecom.ts';

export type MailboxChange =
  /** insert: create the mailbox, or update it if this resource already shows it (a retried insert). */
  | { kind: 'upsert'; mailbox: MailboxDeclaration }
  /** replace of a whole telecom: same address and type, new metadata. */
  | { kind: 'replace'; address: string; mailbox: MailboxDeclaration }
  | { kind: 'set'; address: string; field: MetadataField | 'rank'; value: unknown }
  | { kind: 'withdraw'; address: string };

export function parsePatchBody(body: unknown, resourceType: string): MailboxChange[] {
  if (!body || typeof body !== 'object' || (body as Record<string, unknown>).resourceType !== 'Parameters') {
    throw invalid('a PATCH body must be a FHIR Parameters resource (FHIRPath Patch), with one "operation" parameter per change');
  }
  const params = (body as Record<string, unknown>).parameter;
  if (!Array.isArray(params) || params.length === 0) throw invalid('Parameters.parameter is empty: nothing to patch');
  return params.map((p, i) => {
    const where = `operation ${i + 1}`;
    if (!p || (p as Record<string, unknown>).name !== 'operation') throw invalid(`${where}: every parameter must be named "operation"`);
    const parts = new Map<string, Record<string, unknown>>();
    for (const part of ((p as Record<string, unknown>).part ?? []) as Record<string, unknown>[]) parts.set(String(part.name), part);
    const type = parts.get('type')?.valueCode;
    const pathValue = parts.get('path')?.valueString;
    if (typeof pathValue !== 'string') throw invalid(`${where}: the path part (valueString) is required`);
    const path = parsePatchPath(pathValue, resourceType);
    const value = parts.has('value') ? choiceValue(parts.get('value')!) : undefined;
    switch (type) {
      case 'insert': {
        if (path.target !== 'telecom')
          throw invalid(`${where}: insert adds a mailbox to ${resourceType}.telecom (path "${resourceType}.telecom")`);
        const index = parts.get('index')?.valueInteger;
        if (index !== undefined && (!Number.isInteger(index) || (index as number) < 0))
          throw invalid(`${where}: index must be a non-negative integer`);
        return { kind: 'upsert', mailbox: parseMailboxTelecom(value, where) };
      }
      case 'replace':
        if (path.target === 'telecom')
          throw invalid(`${where}: replace one mailbox, selected with ${resourceType}.telecom.where(value = '…'), not the whole list`);
        if (value === undefined) throw invalid(`${where}: replace needs a value part`);
        if (path.target === 'mailbox')
          return { kind: 'replace', address: parseAddress(path.address, where), mailbox: parseMailboxTelecom(value, where) };
        return { kind: 'set', address: parseAddress(path.address, where), field: path.field, value };
      case 'delete':
        if (path.target === 'telecom')
          throw invalid(`${where}: delete one mailbox, selected with ${resourceType}.telecom.where(value = '…')`);
        if (path.target === 'mailbox') return { kind: 'withdraw', address: parseAddress(path.address, where) };
        if (path.field === 'listeRouge' || path.field === 'digitization')
          throw invalid(`${where}: ${path.field} cannot be deleted; replace it with true or false`);
        return { kind: 'set', address: parseAddress(path.address, where), field: path.field, value: null };
      case 'add':
      case 'move':
        throw invalid(`${where}: operation type "${type}" is not supported: use insert, replace or delete`);
      default:
        throw invalid(`${where}: operation type must be insert, replace or delete, got ${JSON.stringify(type)}`);
    }
  });
}
