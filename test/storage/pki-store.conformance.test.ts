// One suite, every PkiStore adapter: the one CA, issued certificates, their lookups and revocation.
import { beforeEach, expect, it } from 'vitest';
import type { PkiStore } from '../../src/storage/ports.js';
import { conformance, metadataAdapters } from './adapters.js';
import { ca, cert } from './records.js';

conformance('PkiStore', metadataAdapters, (current) => {
  let store: PkiStore;
  beforeEach(() => {
    store = current().pki;
  });

  it('getCa/createCa: no CA at first, then the stored one, field for field', async () => {
    expect(await store.getCa()).toBeNull();
    const record = ca();
    expect(await store.createCa(record)).toBe(true);
    expect(await store.getCa()).toEqual(record);
  });

  it('createCa: a second CA is refused and the first one stays', async () => {
    const first = ca();
    await store.createCa(first);
    expect(await store.createCa(ca({ commonName: 'Intruder CA' }))).toBe(false);
    expect(await store.getCa()).toEqual(first);
  });

  it('createCa: of many racing creations exactly one wins', async () => {
    const candidates = Array.from({ length: 10 }, () => ca());
    const results = await Promise.all(candidates.map((c) => store.createCa(c)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.getCa()).toEqual(candidates[results.indexOf(true)]);
  });

  it('insertCert and the three lookups (fingerprint, SHA-1, serial) return the record unchanged', async () => {
    const alice = cert();
    const admin = cert({ commonName: 'root', admin: true, revokedAt: 1200 });
    await store.insertCert(alice);
    await store.insertCert(admin);
    for (const record of [alice, admin]) {
      expect(await store.getCertByFingerprint(record.fingerprint)).toEqual(record);
      expect(await store.getCertBySha1(record.sha1)).toEqual(record);
      expect(await store.getCertBySerial(record.serial)).toEqual(record);
    }
  });

  it('lookups of unknown certificates are null', async () => {
    await store.insertCert(cert());
    expect(await store.getCertByFingerprint('00'.repeat(32))).toBeNull();
    expect(await store.getCertBySha1('00'.repeat(20))).toBeNull();
    expect(await store.getCertBySerial('00'.repeat(16))).toBeNull();
  });

  it('insertCert: a second certificate with the same serial or fingerprint is refused (one identity, one record)', async () => {
    const original = cert();
    await store.insertCert(original);
    await expect(store.insertCert(cert({ serial: original.serial }))).rejects.toThrow();
    await expect(store.insertCert(cert({ fingerprint: original.fingerprint }))).rejects.toThrow();
    expect(await store.listCerts()).toEqual([original]);
  });

  it('listCerts: every certificate, revoked ones included, by issue time then serial', async () => {
    expect(await store.listCerts()).toEqual([]);
    const late = cert({ issuedAt: 3000 });
    const early = cert({ issuedAt: 1000, revokedAt: 2000 });
    const sameTimeA = cert({ issuedAt: 2000, serial: '0a'.repeat(16) });
    const sameTimeB = cert({ issuedAt: 2000, serial: '0b'.repeat(16) });
    for (const record of [late, sameTimeB, early, sameTimeA]) await store.insertCert(record);
    expect(await store.listCerts()).toEqual([early, sameTimeA, sameTimeB, late]);
  });

  it('revokeCert: sets the revocation time once and returns the revoked record; unknown serials are null', async () => {
    const record = cert();
    const other = cert();
    await store.insertCert(record);
    await store.insertCert(other);
    expect(await store.revokeCert(record.serial, 1500)).toEqual({ ...record, revokedAt: 1500 });
    expect(await store.revokeCert(record.serial, 1600)).toEqual({ ...record, revokedAt: 1500 });
    expect(await store.getCertByFingerprint(record.fingerprint)).toEqual({ ...record, revokedAt: 1500 });
    expect(await store.getCertBySerial(other.serial)).toEqual(other);
    expect(await store.revokeCert('00'.repeat(16), 1500)).toBeNull();
  });
});
