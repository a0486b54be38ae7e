import type { Store } from '@mss/store';
import { formatDateTime, literal, raw, str, type FetchItem, type ImapValue } from '../protocol/index.ts';
import { cachedBodyStructure, cachedEnvelope, type MessageView } from './message.ts';

export type FetchRow = Awaited<ReturnType<Store['mail']['fetchRows']>>[number];

/** One FETCH data item of a message (RFC 3501 §7.4.2); `view` is there when the item needs the body. */
export function renderItem(item: FetchItem, row: FetchRow, flags: readonly string[], modseq: number, view: MessageView | undefined): [string, ImapValue][] {
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
    case 'RFC822':
      return [['RFC822', view!.whole()]];
    case 'RFC822.HEADER':
      return [['RFC822.HEADER', literal(view!.sectionBytes({ part: [], text: 'HEADER', fields: [] }))]];
    case 'RFC822.TEXT':
      return [['RFC822.TEXT', literal(view!.sectionBytes({ part: [], text: 'TEXT', fields: [] }))]];
    case 'ENVELOPE':
      return [['ENVELOPE', cachedEnvelope(row) ?? view!.envelope()]];
    case 'BODY':
      return [['BODY', view!.bodyStructure(false)]];
    case 'BODYSTRUCTURE':
      return [['BODYSTRUCTURE', cachedBodyStructure(row) ?? view!.bodyStructure(true)]];
    case 'BODY[]': {
      let data = view!.sectionBytes(item.section);
      const name = fetchItemName(item);
      if (item.partial) data = data.subarray(item.partial.offset, item.partial.offset + item.partial.length);
      return [[name, view!.literalOrNil(data)]];
    }
    case 'BINARY[]':
    case 'BINARY.SIZE':
      return [];
  }
}

function fetchItemName(item: Extract<FetchItem, { item: 'BODY[]' }>): string {
  const s = item.section;
  let spec = s.part.join('.');
  if (s.text) spec += `${spec ? '.' : ''}${s.text}`;
  if (s.text === 'HEADER.FIELDS' || s.text === 'HEADER.FIELDS.NOT') spec += ` (${s.fields.map((f) => f.toUpperCase()).join(' ')})`;
  return `BODY[${spec}]${item.partial ? `<${item.partial.offset}>` : ''}`;
}
