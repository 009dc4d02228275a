// Schema migrations, written once for both SQL dialects (column types differ; blob rows exist only on PostgreSQL).
import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';

/** The settings row that says whether rows written before sealing still need it ('pending' / 'done'). */
export const SEALING_SETTING = 'metadata_sealing';

export type SqlDialect = 'sqlite' | 'postgres';

/** Every migration of `dialect` by name; names sort in the order they apply. */
export function migrations(dialect: SqlDialect): Record<string, Migration> {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '001-items': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('items')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.unique())
          .addColumn('owner', 'text')
          .addColumn('delete_token_hash', 'text')
          .addColumn('size', bigint, (c) => c.notNull())
          .addColumn('mime_type', 'text', (c) => c.notNull())
          .addColumn('filename', 'text')
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('expires_at', bigint)
          .addColumn('burn_after_read', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('burned_at', bigint)
          .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('wrapped_key', binary, (c) => c.notNull())
          .addColumn('blob_id', 'text')
          .addColumn('inline_data', binary)
          .execute();
        await db.schema.createIndex('items_expires_at').on('items').column('expires_at').execute();
        await db.schema.createIndex('items_burned_at').on('items').column('burned_at').execute();
        await db.schema.createIndex('items_blob_id').on('items').column('blob_id').execute();
        await db.schema.createIndex('items_owner_created').on('items').columns(['owner', 'created_at']).execute();
        await db.schema
          .createTable('settings')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '002-pki': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('pki_ca')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('certificate_pem', 'text', (c) => c.notNull())
          .addColumn('sealed_key', binary, (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('common_name', 'text', (c) => c.notNull())
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('expires_at', bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('pki_certs')
          .addColumn('serial', 'text', (c) => c.primaryKey())
          .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
          .addColumn('sha1', 'text', (c) => c.notNull())
          .addColumn('common_name', 'text', (c) => c.notNull())
          .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('issued_at', bigint, (c) => c.notNull())
          .addColumn('expires_at', bigint, (c) => c.notNull())
          .addColumn('revoked_at', bigint)
          .addColumn('certificate_pem', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('pki_certs_sha1').on('pki_certs').column('sha1').execute();
      },
    },
    '003-short-links': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('short_links')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('expires_at', bigint)
          .addColumn('clicks', bigint, (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('short_links_owner').on('short_links').columns(['owner', 'created_at']).execute();
        await db.schema.createIndex('short_links_expires_at').on('short_links').column('expires_at').execute();
      },
    },
    // File names and short-link targets are sealed at rest from here on. Sealing needs the master key,
    // which migrations do not have: this marks the rows as pending and the server seals them at start,
    // before listening (src/storage/sealed/seal-existing-fields.ts), then marks the job done.
    '004-sealed-metadata': {
      async up(db: Kysely<unknown>) {
        await sql`insert into settings (name, value) values (${SEALING_SETTING}, 'pending')`.execute(db);
      },
    },
    // PostgreSQL only: blobs as encrypted chunks in rows (src/storage/postgres/postgres-blob-store.ts),
    // so instances share content without a shared filesystem. One `blobs` row per write; its chunks
    // go with it (cascade). A committed blob id is unique; uncommitted writes are invisible.
    ...(dialect === 'postgres'
      ? {
          '005-postgres-blobs': {
            async up(db: Kysely<unknown>) {
              await db.schema
                .createTable('blobs')
                .addColumn('write_id', 'text', (c) => c.primaryKey())
                .addColumn('blob_id', 'text', (c) => c.notNull())
                .addColumn('committed', 'boolean', (c) => c.notNull().defaultTo(false))
                .addColumn('size', 'bigint')
                .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
                .addColumn('written_at_ms', 'bigint')
                .execute();
              await sql`create unique index blobs_committed_id on blobs (blob_id) where committed`.execute(db);
              await db.schema.createIndex('blobs_uncommitted_started').on('blobs').column('started_at_ms').where(sql.ref('committed'), '=', false).execute();
              await db.schema
                .createTable('blob_chunks')
                .addColumn('write_id', 'text', (c) => c.notNull().references('blobs.write_id').onDelete('cascade'))
                .addColumn('seq', 'integer', (c) => c.notNull())
                .addColumn('start_at', 'bigint', (c) => c.notNull())
                .addColumn('data', 'bytea', (c) => c.notNull())
                .addPrimaryKeyConstraint('blob_chunks_pk', ['write_id', 'seq'])
                .execute();
            },
          },
        }
      : {}),
    // The PKI audit trail shared by every instance (the audit file is per instance). No key material.
    // (005 is PostgreSQL's blob tables.)
    '006-pki-audit': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('pki_audit')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('time', bigint, (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('serial', 'text')
          .addColumn('fingerprint', 'text')
          .addColumn('common_name', 'text')
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .execute();
      },
    },
    // Download limits (X-Max-Downloads; burn after read is a limit of one; on short links, redirects). `downloads_remaining` is
    // what the atomic claim counts down (null: unlimited); `open_reads` counts claimed responses
    // still being sent, so the item is shredded only after the last of its readers is done.
    '007-download-limits': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('items').addColumn('downloads_remaining', 'integer').execute();
        await db.schema.alterTable('items').addColumn('open_reads', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await sql`update items set downloads_remaining = 1 where burn_after_read = 1 and burned_at is null`.execute(db);
        // Short links: X-Max-Downloads there counts redirects.
        await db.schema.alterTable('short_links').addColumn('clicks_remaining', 'integer').execute();
      },
    },
    // Quotas (007 is the download-limit columns): whom each item counts against, `owner:<fingerprint>`
    // or `group:<HMAC of the client's address group>` (never the address itself: a dump of the
    // database must not list the IP addresses of anonymous uploaders). Owned items made before are
    // counted from now on; anonymous ones carry no group and count against nobody.
    '008-quotas': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('items').addColumn('quota_key', 'text').execute();
        await sql`update items set quota_key = 'owner:' || owner where owner is not null`.execute(db);
        await db.schema.createIndex('items_quota_key').on('items').column('quota_key').execute();
      },
    },
    // PostgreSQL only: partial tus uploads (src/storage/postgres/postgres-partial-store.ts), so any
    // instance can take the next PATCH. The state is the core's JSON (wrapped key, sealed options);
    // a segment row is one sealed segment at its byte position in the log (the primary key: two
    // writers that both believe they are at the end cannot both append). SQLite keeps them in DATA_DIR/tus.
    ...(dialect === 'postgres'
      ? {
          '009-tus-partials': {
            async up(db: Kysely<unknown>) {
              await db.schema
                .createTable('tus_uploads')
                .addColumn('id', 'text', (c) => c.primaryKey())
                .addColumn('state', 'text', (c) => c.notNull())
                .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
                .execute();
              await db.schema
                .createTable('tus_segments')
                .addColumn('upload_id', 'text', (c) => c.notNull().references('tus_uploads.id').onDelete('cascade'))
                .addColumn('at', 'bigint', (c) => c.notNull())
                .addColumn('data', 'bytea', (c) => c.notNull())
                .addPrimaryKeyConstraint('tus_segments_pk', ['upload_id', 'at'])
                .execute();
              // Ciphertext does not compress; kept uncompressed, a read of a segment's head fetches only that.
              await sql`alter table tus_segments alter column data set storage external`.execute(db);
            },
          },
        }
      : {}),
    // Start-up looks for content digests stored in clear by versions before sealing (a rolling
    // upgrade may still write some): without this partial index that is a scan of every row, inline
    // content included (13 s for 100,000 items on a loaded machine); with it, a lookup of none.
    // The condition must stay the literal of SqlKeyRotationStore.listDigests, or the index goes unused.
    '010-unsealed-digest-index': {
      async up(db: Kysely<unknown>) {
        await sql`create index items_unsealed_digest on items (id) where sha256 not like 'sd1:%'`.execute(db);
      },
    },
  };
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
