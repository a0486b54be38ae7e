import type { DirectoryData } from '../directory/data.ts';
import { EXTRACTION_COLUMNS, SEPARATOR, extractionLine, extractionRow } from './columns.ts';
import { zipSingleEntry } from './zip.ts';

export const EXTRACTION_PREFIX = 'Extraction_Correspondance_MSSante';
/** Rows read from the directory per query: the stream holds one page at a time, never the file. */
export const EXTRACTION_PAGE = 2000;

/** `Extraction_Correspondance_MSSante_AAAAMMJJhhmm` (UTC), without extension. */
export function extractionBaseName(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${EXTRACTION_PREFIX}_${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}`;
}

/** The `.txt`: header line, then one line per published mailbox, paged by mailbox id. */
export async function* extractionText(data: DirectoryData, pageSize = EXTRACTION_PAGE): AsyncGenerator<Buffer> {
  yield Buffer.from(extractionLine(EXTRACTION_COLUMNS), 'utf8');
  let afterId: number | undefined;
  for (;;) {
    const page = await data.publishedMailboxPage(afterId, pageSize);
    if (page.length === 0) return;
    yield Buffer.from(page.map((m) => extractionLine(extractionRow(m))).join(''), 'utf8');
    if (page.length < pageSize) return;
    afterId = page.at(-1)!.id;
  }
}

/** The `.zip` of the extraction taken now, as a stream of chunks. */
export function extractionZip(
  data: DirectoryData,
  at: Date,
  pageSize = EXTRACTION_PAGE,
): { fileName: string; chunks: AsyncGenerator<Buffer> } {
  const base = extractionBaseName(at);
  return { fileName: `${base}.zip`, chunks: zipSingleEntry(`${base}.txt`, at, extractionText(data, pageSize)) };
}

export { EXTRACTION_COLUMNS, SEPARATOR };
