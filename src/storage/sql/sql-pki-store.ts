// The PkiStore port over Kysely: the built-in CA and the certificates it issued.
import type { Kysely, Selectable } from 'kysely';
import type { CaRecord, CertRecord, PkiStore } from '../ports.js';
import type { Database, PkiCertsTable } from './schema.js';

function toCert(row: Selectable<PkiCertsTable>): CertRecord {
  return {
    serial: row.serial,
    fingerprint: row.fingerprint,
    sha1: row.sha1,
    commonName: row.common_name,
    admin: Number(row.admin) === 1,
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    certificatePem: row.certificate_pem,
  };
}

export class SqlPkiStore implements PkiStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getCa(): Promise<CaRecord | null> {
    const row = await this.db.selectFrom('pki_ca').selectAll().where('id', '=', 'ca').executeTakeFirst();
    if (!row) return null;
    return {
      certificatePem: row.certificate_pem,
      sealedKey: Buffer.from(row.sealed_key),
      fingerprint: row.fingerprint,
      commonName: row.common_name,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  async createCa(ca: CaRecord): Promise<boolean> {
    // The fixed primary key makes "only one CA" a database fact, even with racing instances.
    const result = await this.db
      .insertInto('pki_ca')
      .values({ id: 'ca', certificate_pem: ca.certificatePem, sealed_key: ca.sealedKey, fingerprint: ca.fingerprint, common_name: ca.commonName, created_at: ca.createdAt, expires_at: ca.expiresAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async insertCert(cert: CertRecord): Promise<void> {
    await this.db
      .insertInto('pki_certs')
      .values({
        serial: cert.serial,
        fingerprint: cert.fingerprint,
        sha1: cert.sha1,
        common_name: cert.commonName,
        admin: cert.admin ? 1 : 0,
        issued_at: cert.issuedAt,
        expires_at: cert.expiresAt,
        revoked_at: cert.revokedAt,
        certificate_pem: cert.certificatePem,
      })
      .execute();
  }

  async getCertByFingerprint(fingerprint: string): Promise<CertRecord | null> {
    const row = await this.db.selectFrom('pki_certs').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
    return row ? toCert(row) : null;
  }

  async getCertBySha1(sha1: string): Promise<CertRecord | null> {
    const row = await this.db.selectFrom('pki_certs').selectAll().where('sha1', '=', sha1).executeTakeFirst();
    return row ? toCert(row) : null;
  }

  async getCertBySerial(serial: string): Promise<CertRecord | null> {
    const row = await this.db.selectFrom('pki_certs').selectAll().where('serial', '=', serial).executeTakeFirst();
    return row ? toCert(row) : null;
  }

  async listCerts(): Promise<CertRecord[]> {
    const rows = await this.db.selectFrom('pki_certs').selectAll().orderBy('issued_at', 'asc').orderBy('serial', 'asc').execute();
    return rows.map(toCert);
  }

  async revokeCert(serial: string, at: number): Promise<CertRecord | null> {
    await this.db.updateTable('pki_certs').set({ revoked_at: at }).where('serial', '=', serial).where('revoked_at', 'is', null).execute();
    return this.getCertBySerial(serial);
  }
}
