import { publicationOf, type Store } from '@mss/store';

const PAGE = 1000;

/**
 * Every mailbox the operator hosts, as NDJSON lines, read from the store a page at a time.
 * Active mailboxes are declared (liste rouge ones too, flagged: the directory must know them
 * to keep them hidden); suspended and closed ones are not, so the directory withdraws them,
 * as governance does when it suspends or closes. Holders, cotitulaires and delegates are not
 * in a publication at all.
 */
export async function* declarationLines(store: Store): AsyncGenerator<string> {
  let afterId: number | undefined;
  for (;;) {
    const page = await store.mailboxes.list({ afterId, limit: PAGE });
    for (const m of page) if (m.status === 'active') yield JSON.stringify(publicationOf(m));
    if (page.length < PAGE) return;
    afterId = page.at(-1)!.id;
  }
}
