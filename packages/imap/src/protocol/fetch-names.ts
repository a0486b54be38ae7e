// How a FETCH response names each item (RFC 3501 §7.4.2): BODY.PEEK answers as BODY, and a
// partial fetch answers with its origin only (`BODY[]<0>`).

import type { FetchItem, Section } from './ast.ts';
import { encodeValue, astring } from './encoder.ts';

export function formatSection(section: Section): string {
  let spec = section.part.join('.');
  if (section.text) spec += (spec ? '.' : '') + section.text;
  if (section.fields.length > 0) {
    spec += ' (' + section.fields.map((f) => encodeValue(astring(f)).toString('utf8')).join(' ') + ')';
  }
  return spec;
}

export function fetchItemResponseName(item: FetchItem): string {
  switch (item.item) {
    case 'BODY[]':
      return `BODY[${formatSection(item.section)}]${item.partial ? `<${item.partial.offset}>` : ''}`;
    case 'BINARY[]':
      return `BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.offset}>` : ''}`;
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${item.part.join('.')}]`;
    default:
      return item.item;
  }
}
