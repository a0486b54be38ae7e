import type { Selectable } from 'kysely';
import type { CguVersionsTable } from '../schema.ts';
import { isoNow, type RepoContext } from './executor.ts';

export type CguVersion = Selectable<CguVersionsTable>;

/** Versions of the operator's terms of use and who accepted which (R-CAB-4). */
export class CguRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async publish(v: { version: string; url: string; title: string; publishedAt?: string }): Promise<CguVersion> {
    const row = { version: v.version, url: v.url, title: v.title, published_at: v.publishedAt ?? isoNow(this.ctx) };
    await this.ctx.db.insertInto('cgu_versions').values(row).execute();
    return row;
  }

  async get(version: string): Promise<CguVersion | undefined> {
    return this.ctx.db.selectFrom('cgu_versions').selectAll().where('version', '=', version).executeTakeFirst();
  }

  /** The version in force: the one published last. */
  async current(): Promise<CguVersion | undefined> {
    return this.ctx.db
      .selectFrom('cgu_versions')
      .selectAll()
      .orderBy('published_at', 'desc')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async accept(personIdnat: string, version: string, at = isoNow(this.ctx)): Promise<void> {
    await this.ctx.db
      .insertInto('cgu_acceptances')
      .values({ person_idnat: personIdnat, version, accepted_at: at })
      .onConflict((oc) => oc.columns(['person_idnat', 'version']).doNothing())
      .execute();
  }

  async acceptance(personIdnat: string, version: string): Promise<{ accepted_at: string } | undefined> {
    return this.ctx.db
      .selectFrom('cgu_acceptances')
      .select('accepted_at')
      .where('person_idnat', '=', personIdnat)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  async acceptancesOf(personIdnat: string): Promise<{ version: string; accepted_at: string }[]> {
    return this.ctx.db
      .selectFrom('cgu_acceptances')
      .select(['version', 'accepted_at'])
      .where('person_idnat', '=', personIdnat)
      .orderBy('accepted_at')
      .execute();
  }
}
