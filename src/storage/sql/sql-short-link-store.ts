// The ShortLinkStore port over Kysely.
import type { Kysely, Selectable } from 'kysely';
import type { ShortLinkRecord, ShortLinkStore } from '../ports.js';
import type { Database, ShortLinksTable } from './schema.js';

function toLink(row: Selectable<ShortLinksTable>): ShortLinkRecord {
  return {
    id: row.id,
    target: row.target,
    owner: row.owner,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    clicks: Number(row.clicks),
    clicksRemaining: row.clicks_remaining === null ? null : Number(row.clicks_remaining),
  };
}

export class SqlShortLinkStore implements ShortLinkStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertLink(link: ShortLinkRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('short_links')
      .values({ id: link.id, target: link.target, owner: link.owner, created_at: link.createdAt, expires_at: link.expiresAt, clicks: link.clicks, clicks_remaining: link.clicksRemaining })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getLiveLink(id: string, now: number): Promise<ShortLinkRecord | null> {
    const row = await this.db
      .selectFrom('short_links')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('clicks_remaining', 'is', null), eb('clicks_remaining', '>', 0)]))
      .executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async clickLink(id: string, now: number): Promise<ShortLinkRecord | null> {
    // One UPDATE ... RETURNING: concurrent clicks can never overwrite each other's count, and a limited
    // link's count of redirects left goes down atomically (null - 1 stays null: unlimited).
    const row = await this.db
      .updateTable('short_links')
      .set((eb) => ({ clicks: eb('clicks', '+', 1), clicks_remaining: eb('clicks_remaining', '-', 1) }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('clicks_remaining', 'is', null), eb('clicks_remaining', '>=', 1)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async listLinks(owner: string | null, now: number): Promise<ShortLinkRecord[]> {
    let select = this.db
      .selectFrom('short_links')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('clicks_remaining', 'is', null), eb('clicks_remaining', '>', 0)]));
    if (owner !== null) select = select.where('owner', '=', owner);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1000).execute();
    return rows.map(toLink);
  }

  async deleteLink(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('short_links').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteExpiredLinks(now: number): Promise<number> {
    // A spent link is removed by its last click; one left behind (a crash in between) goes here.
    const result = await this.db
      .deleteFrom('short_links')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('clicks_remaining', '=', 0)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
