import type { DirectoryChangeRow } from '../store/index.ts';
import type { ChangeFeedSource } from '../fhir/changes.ts';
import { decodeFeedCursor, encodeFeedCursor, unknownCursor } from '../fhir/changes.ts';
import { EXTRACTION_COLUMNS, extractionLine, extractionRow } from './columns.ts';
import { EXTRACTION_PREFIX } from './extraction.ts';
import { zipSingleEntry } from './zip.ts';

/** Changes read per query while collecting the owners a delta covers. */
const CHANGES_PAGE = 2000;
/** Owners per query of their rows. */
const OWNERS_PAGE = 500;

/**
 * The extraction's incremental form (issue #15, R-ANN-2 "delta"): the same 31 columns, one line
 * per published mailbox of every person or structure whose record, situations or mailboxes changed
 * after the cursor and up to the head taken when the request came (every line of such an owner,
 * so that a reader replaces that owner's lines). `next` is the feed cursor at that head: the
 * following delta starts there. A mailbox withdrawn or put on liste rouge has no line any more:
 * its owner is listed in the FHIR feed, where its telecom no longer shows it.
 */
export async function deltaExtraction(
  changes: ChangeFeedSource,
  cursor: string,
  at: Date,
): Promise<{ fileName: string; next: string; owners: number; chunks: AsyncGenerator<Buffer> }> {
  const state = await changes.state();
  const c = decodeFeedCursor(cursor);
  if (c.epoch !== state.epoch) throw unknownCursor(`the cursor belongs to another feed (epoch ${c.epoch}, this one is ${state.epoch})`);
  if (c.position < state.prunedThrough)
    throw unknownCursor(`changes up to ${state.prunedThrough} are no longer kept and the cursor is at ${c.position}`);
  if (c.position > state.head) throw unknownCursor(`the cursor is at ${c.position}, past the last change recorded (${state.head})`);
  const owners = new Set<string>();
  const roles = new Set<string>();
  let position = c.position;
  while (position < state.head) {
    const rows: DirectoryChangeRow[] = await changes.changesAfter(position, Math.min(CHANGES_PAGE, state.head - position));
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.id > state.head) break;
      if (r.resource_type === 'PractitionerRole') roles.add(r.resource_id);
      else owners.add(r.resource_type === 'Practitioner' ? r.resource_id.replaceAll('.', '/') : r.resource_id);
    }
    position = (rows.at(-1) as DirectoryChangeRow).id;
  }
  for (const s of await changes.situations([...roles])) owners.add(s.person_idnat);
  const list = [...owners].sort();
  const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').slice(0, 13).replace('T', '');
  const base = `${EXTRACTION_PREFIX}_Delta_${stamp(at)}`;
  async function* text(): AsyncGenerator<Buffer> {
    yield Buffer.from(extractionLine(EXTRACTION_COLUMNS), 'utf8');
    for (let i = 0; i < list.length; i += OWNERS_PAGE) {
      const slice = list.slice(i, i + OWNERS_PAGE);
      let afterId: number | undefined;
      for (;;) {
        const page = await changes.publishedRowsOf(slice, afterId, 2000);
        if (page.length) yield Buffer.from(page.map((m) => extractionLine(extractionRow(m))).join(''), 'utf8');
        if (page.length < 2000) break;
        afterId = page.at(-1)?.id;
      }
    }
  }
  return {
    fileName: `${base}.zip`,
    next: encodeFeedCursor(state.epoch, state.head),
    owners: list.length,
    chunks: zipSingleEntry(`${base}.txt`, at, text()),
  };
}
