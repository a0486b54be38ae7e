// The FHIRPath expressions of the draft write API (formats-notes §2.1): the telecom list, one
// mailbox selected by its address, and that mailbox's rank or metadata sub-extensions.

import { invalid } from '../fhir/outcome.ts';
import { EMAIL_TYPE_EXTENSION, MAILBOX_METADATA_EXTENSION } from '../fhir/systems.ts';
import { METADATA_FIELDS, type MetadataField } from './telecom.ts';

export type PatchPath =
  | { target: 'telecom' }
  | { target: 'mailbox'; address: string }
  | { target: 'field'; address: string; field: MetadataField | 'rank' };

const HEAD = /^\s*(\w+)\.telecom(?:\.where\(\s*value\s*=\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\))?/;
const EXT = /^\.extension\(\s*(?:url\s*=\s*)?(?:'([^']*)'|"([^"]*)")\s*\)/;

/**
 * Parses a path against the resource type patched. Paths that would change what is immutable
 * after creation (the address, the type) are refused here with a diagnostic that says so.
 */
export function parsePatchPath(path: string, resourceType: string): PatchPath {
  const head = HEAD.exec(path);
  if (!head)
    throw invalid(
      `unsupported path "${path}": this API edits ${resourceType}.telecom, e.g. ${resourceType}.telecom.where(value = 'prenom.nom@domaine.mssante.fr')`,
    );
  if (head[1] !== resourceType) throw invalid(`path "${path}" does not start with the patched resource type ${resourceType}`);
  const quoted = head[2] ?? head[3];
  if (quoted === undefined) {
    if (path.slice(head[0].length).trim() !== '')
      throw invalid(`unsupported path "${path}": select one mailbox with telecom.where(value = '…')`);
    return { target: 'telecom' };
  }
  const address = quoted.replace(/\\(.)/g, '$1');
  let rest = path.slice(head[0].length).trim();
  if (rest === '') return { target: 'mailbox', address };
  if (/^\.value$/.test(rest))
    throw invalid(`the address of a mailbox cannot be changed after creation (${address}): delete it and insert the new one`);
  if (/^\.rank$/.test(rest)) return { target: 'field', address, field: 'rank' };
  const outer = EXT.exec(rest);
  if (!outer)
    throw invalid(
      `unsupported path "${path}": after the mailbox, use .rank or .extension('${MAILBOX_METADATA_EXTENSION}').extension('<field>').value`,
    );
  const url = outer[1] ?? outer[2];
  if (url === EMAIL_TYPE_EXTENSION) throw invalid(`the e-mail type of an MSSanté mailbox is always MSSANTE and cannot be changed`);
  if (url !== MAILBOX_METADATA_EXTENSION) throw invalid(`unsupported extension "${url}" in path "${path}"`);
  rest = rest.slice(outer[0].length);
  const inner = EXT.exec(rest);
  if (!inner) throw invalid(`unsupported path "${path}": name the metadata field, .extension('<field>').value`);
  const field = inner[1] ?? inner[2]!;
  rest = rest.slice(inner[0].length).trim();
  if (rest !== '' && !/^\.value(?:[A-Z]\w*)?$/.test(rest)) throw invalid(`unsupported path "${path}": expected .value after the field`);
  if (field === 'type')
    throw invalid(`the type of a mailbox cannot be changed after creation (${address}): delete it and insert a new mailbox`);
  if (!(METADATA_FIELDS as readonly string[]).includes(field))
    throw invalid(`unknown mailbox metadata "${field}" (${METADATA_FIELDS.join(', ')})`);
  return { target: 'field', address, field: field as MetadataField };
}
