import { emailObjectId, newThreadId, type FetchRow as StoredFetchRow } from '@mss/store';
import { concat, fetchItemResponseName, formatDateTime, literal, raw, str, type FetchItem, type ImapValue } from '../protocol/index.ts';
import { ImapNo } from './commands/errors.ts';
import type { MessageView } from './message.ts';
import type { StructureItem, WireForms } from './wire-forms.ts';

export type FetchRow = StoredFetchRow;

/** From the stored structure; parsed from the body only for a row the backfill could not compute (nothing written). */
function structureOf(item: StructureItem, row: FetchRow, view: MessageView | undefined, forms: WireForms): ImapValue {
  const kept = forms.get(item, row.blob_hash, row.structure);
  if (kept !== undefined) return kept;
  return item === 'ENVELOPE' ? view!.envelope() : view!.bodyStructure(item === 'BODYSTRUCTURE');
}

/**
 * One FETCH data item of a message (RFC 3501 §7.4.2); `view` is there when the item needs the
 * body, `forms` encodes ENVELOPE, BODY and BODYSTRUCTURE from the stored structure.
 */
export function renderItem(
  item: FetchItem,
  row: FetchRow,
  flags: readonly string[],
  modseq: number,
  view: MessageView | undefined,
  forms: WireForms,
): [string, ImapValue][] {
  switch (item.item) {
    case 'UID':
      return [['UID', Number(row.uid)]];
    case 'FLAGS':
      return [['FLAGS', raw(`(${flags.join(' ')})`)]];
    case 'MODSEQ':
      return [['MODSEQ', raw(`(${modseq})`)]];
    case 'INTERNALDATE':
      return [['INTERNALDATE', str(formatDateTime(new Date(row.internal_date), 0))]];
    case 'RFC822.SIZE':
      return [['RFC822.SIZE', Number(row.size)]];
    // RFC 8474 §5.1, §5.2: ids in parentheses; the thread is JMAP's, given when the message was stored.
    case 'EMAILID':
      return [['EMAILID', raw(`(${emailObjectId(row.blob_hash)})`)]];
    case 'THREADID':
      return [['THREADID', raw(`(${row.thread_id ?? newThreadId(row.blob_hash)})`)]];
    // RFC 8514 §3: NIL only for a row stored without one (none since migration 0011).
    case 'SAVEDATE':
      return [['SAVEDATE', row.saved_at ? str(formatDateTime(new Date(row.saved_at), 0)) : null]];
    case 'RFC822':
      return [['RFC822', view!.whole()]];
    case 'RFC822.HEADER':
      return [['RFC822.HEADER', literal(view!.sectionBytes({ part: [], text: 'HEADER', fields: [] }))]];
    case 'RFC822.TEXT':
      return [['RFC822.TEXT', literal(view!.sectionBytes({ part: [], text: 'TEXT', fields: [] }))]];
    case 'ENVELOPE':
    case 'BODY':
    case 'BODYSTRUCTURE':
      return [[item.item, structureOf(item.item, row, view, forms)]];
    case 'BODY[]': {
      let data = view!.sectionBytes(item.section);
      const name = fetchItemName(item);
      if (item.partial) data = data.subarray(item.partial.offset, item.partial.offset + item.partial.length);
      return [[name, view!.literalOrNil(data)]];
    }
    // RFC 3516 §4.2: decoded; as literal8 (`~{n}`) when the bytes hold a NUL.
    case 'BINARY[]': {
      let data = binaryOf(view!, item.part);
      if (item.partial) data = data.subarray(item.partial.offset, item.partial.offset + item.partial.length);
      return [[fetchItemResponseName(item), data.includes(0) ? concat([raw('~'), literal(data)]) : literal(data)]];
    }
    case 'BINARY.SIZE':
      return [[fetchItemResponseName(item), binaryOf(view!, item.part).length]];
  }
}

function binaryOf(view: MessageView, part: readonly number[]): Buffer {
  const data = view.binary(part);
  if (data === null) throw new ImapNo('A part has a Content-Transfer-Encoding this server cannot decode', 'UNKNOWN-CTE');
  return data;
}

function fetchItemName(item: Extract<FetchItem, { item: 'BODY[]' }>): string {
  const s = item.section;
  let spec = s.part.join('.');
  if (s.text) spec += `${spec ? '.' : ''}${s.text}`;
  if (s.text === 'HEADER.FIELDS' || s.text === 'HEADER.FIELDS.NOT') spec += ` (${s.fields.map((f) => f.toUpperCase()).join(' ')})`;
  return `BODY[${spec}]${item.partial ? `<${item.partial.offset}>` : ''}`;
}
