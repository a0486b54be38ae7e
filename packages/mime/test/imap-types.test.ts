// The types declared in @mss/mime must stay assignable to those of @mss/imap's encoder (and the
// encoder's parsed Section to our SectionSpec): checked by the compiler (`npm run typecheck`),
// then once at run time on a FETCH the IMAP parser really produced.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as imap from '@mss/imap';
import * as mime from '../src/index.ts';
import { RFC3501_EXAMPLE, buf } from './fixtures.ts';

type Assignable<From, To> = [From] extends [To] ? true : false;

// A `false` here fails type-checking: `true` is not assignable to `false`.
const checks: [
  Assignable<mime.HeaderText, imap.HeaderText>,
  Assignable<mime.Address, imap.Address>,
  Assignable<mime.AddressGroup, imap.AddressGroup>,
  Assignable<mime.AddressEntry, imap.AddressEntry>,
  Assignable<mime.Envelope, imap.Envelope>,
  Assignable<mime.BodyParams, imap.BodyParams>,
  Assignable<mime.BodyDisposition, imap.BodyDisposition>,
  Assignable<mime.MultipartBody, imap.MultipartBody>,
  Assignable<mime.SinglePartBody, imap.SinglePartBody>,
  Assignable<mime.BodyStructure, imap.BodyStructure>,
  Assignable<imap.Envelope, mime.Envelope>,
  Assignable<imap.BodyStructure, mime.BodyStructure>,
  Assignable<imap.Section, mime.SectionSpec>,
  Assignable<ReturnType<typeof mime.envelope>, Parameters<typeof imap.envelopeValue>[0]>,
  Assignable<ReturnType<typeof mime.bodyStructure>, Parameters<typeof imap.bodyStructureValue>[0]>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];

test('a FETCH parsed by @mss/imap is served by section(), and the views feed its encoder', () => {
  assert.ok(checks.every((c) => c));
  const framer = new imap.Framer();
  framer.push(Buffer.from('a1 FETCH 1 (BODY.PEEK[4.2.HEADER.FIELDS (Subject)] BODY[4.2.2.2]<0.4> BODYSTRUCTURE)\r\n'));
  const event = framer.next();
  assert.ok(event && event.type === 'command');
  const command = imap.parseCommand(event.command);
  assert.ok(command.command === 'FETCH');
  const raw = buf(RFC3501_EXAMPLE);
  const root = mime.parseMessage(raw);
  const served: [string, imap.ImapValue][] = [];
  for (const item of command.args.items) {
    if (item.item === 'BODY[]') {
      const bytes = mime.section(raw, root, item.section);
      const data = bytes && item.partial ? mime.partial(bytes, item.partial.offset, item.partial.length) : bytes;
      served.push([imap.fetchItemResponseName(item), imap.nstr(data)]);
    } else if (item.item === 'BODYSTRUCTURE') {
      served.push(['BODYSTRUCTURE', imap.bodyStructureValue(mime.bodyStructure(root, true), true)]);
    }
  }
  const response = imap.fetchResponse(1, served).toString('utf8');
  assert.ok(response.startsWith('* 1 FETCH (BODY[4.2.HEADER.FIELDS (Subject)] {21}\r\nSubject: part 4.2\r\n\r\n BODY[4.2.2.2]<0> "part" '));
  assert.ok(response.includes(' "part" BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 0 NIL NIL NIL NIL)'));
  assert.ok(response.endsWith(' "MIXED" ("BOUNDARY" "b0") NIL NIL NIL))\r\n'));
});
