// The built-in PKI: one CA, client certificates issued by admins or by PoW-gated self-registration,
// revocation, CRLs, and turning a presented certificate into an Identity (or a precise refusal).
import { randomBytes } from 'node:crypto';
import { openSecretAny, sealSecret } from '../crypto/key-wrap.js';
import type * as X509 from '@peculiar/x509';
import type * as Certificates from '../crypto/x509/certificates.js';
import type { CaMaterial } from '../crypto/x509/certificates.js';
import { fingerprint1, fingerprint256 } from '../crypto/x509/fingerprint.js';
import type * as Pkcs12 from '../crypto/x509/pkcs12.js';
// The JSON it returns is the wire shape (src/api/pki.ts); types only, so core/ loads no zod.
import type { CertificateJson, IssuedCertificateJson, PkiStatusJson } from '../api/pki.js';
import type { ServerCertificate } from '../crypto/x509/server-certificate.js';
import type { AuditEvent, AuditLog, CertRecord, PkiStore } from '../storage/ports.js';
import type { Clock } from './clock.js';
import { AppError } from './errors.js';
import type { Identity } from './identity.js';

export const CA_KEY_LABEL = 'ca-private-key';

interface PkiLibraries {
  certs: typeof Certificates;
  pkcs12: typeof Pkcs12;
  x509: typeof X509;
}

let loading: Promise<PkiLibraries> | null = null;

/**
 * The X.509 and PKCS#12 libraries (~23 MiB of memory) load on first use: a server that nobody
 * presents a certificate to, and that issues none, never pays for them.
 */
export function pkiLibraries(): Promise<PkiLibraries> {
  loading ??= Promise.all([import('../crypto/x509/certificates.js'), import('../crypto/x509/pkcs12.js'), import('../crypto/x509/provider.js')]).then(([certs, pkcs12, provider]) => ({
    certs,
    pkcs12,
    x509: provider.x509,
  }));
  return loading;
}

export interface IssueInput {
  commonName: string;
  days: number;
  admin: boolean;
  csr?: string | undefined;
}

export interface PkiServiceDeps {
  store: PkiStore;
  audit: AuditLog;
  wrapKey: Buffer;
  /** Previous wrap keys (master key rotation in progress). */
  previousWrapKeys?: readonly Buffer[];
  clock: Clock;
  /** Fingerprints from SEALBIN_ADMINS. */
  admins: ReadonlySet<string>;
  /** Extra CAs from SEALBIN_TRUSTED_CA_FILE. */
  trustedCas: readonly X509.X509Certificate[];
}

export class PkiService {
  // Only immutable facts are cached, so that N instances on one store answer alike: the CA (there is
  // one, never replaced; its absence is not cached) and each certificate's verified chain and validity.
  // Revocation is mutable and is read from the store on every request.
  private ca: CaMaterial | null = null;
  private crl: { key: string; pem: string } | null = null;
  /** Fingerprints whose chain was verified (signature checks are the expensive part). */
  private readonly verified = new Map<string, { notBefore: number; notAfter: number; commonName: string; ours: boolean }>();

  /**
   * Called once, when this instance first finds the CA in the store: created here, or by another
   * instance (seen by findCa's polling or by a request that presents a certificate). TLS uses it to
   * start advertising the CA to clients.
   */
  onCaAvailable: (() => Promise<void>) | null = null;
  /** Told of every audited event (metrics). */
  onAudit: ((event: AuditEvent) => void) | null = null;

  constructor(private readonly deps: PkiServiceDeps) {}

  private async caMaterial(): Promise<CaMaterial | null> {
    if (this.ca) return this.ca;
    const record = await this.deps.store.getCa();
    if (!record) return null;
    const { certs, x509 } = await pkiLibraries();
    const certificate = new x509.X509Certificate(record.certificatePem);
    const privateKey = await certs.importPrivateKey(openSecretAny([this.deps.wrapKey, ...(this.deps.previousWrapKeys ?? [])], record.sealedKey, CA_KEY_LABEL));
    if (this.ca) return this.ca; // a concurrent call loaded it first and announced it
    this.ca = { certificate, privateKey };
    await this.onCaAvailable?.();
    return this.ca;
  }

  /**
   * Whether a CA exists, loading it (and announcing it) when another instance made it.
   * @example if (await pki.findCa()) stopPolling()
   */
  async findCa(): Promise<boolean> {
    return (await this.caMaterial()) !== null;
  }

  private async requireCa(): Promise<CaMaterial> {
    const ca = await this.caMaterial();
    if (!ca) throw new AppError('CA_MISSING');
    return ca;
  }

  async caExists(): Promise<boolean> {
    return (await this.deps.store.getCa()) !== null;
  }

  async status(): Promise<PkiStatusJson> {
    const record = await this.deps.store.getCa();
    const certs = await this.deps.store.listCerts();
    return {
      enabled: true,
      ca_exists: record !== null,
      fingerprint: record?.fingerprint ?? null,
      common_name: record?.commonName ?? null,
      expires_at: record?.expiresAt ?? null,
      issued: certs.length,
      revoked: certs.filter((cert) => cert.revokedAt !== null).length,
    };
  }

  async createCa(commonName: string, days: number, actor: string, requestId: string): Promise<PkiStatusJson> {
    const now = this.deps.clock.now();
    if (await this.caExists()) throw new AppError('CA_EXISTS');
    const { certs } = await pkiLibraries();
    const { certificate, key } = await certs.createCa(commonName, days, new Date(now * 1000));
    const created = await this.deps.store.createCa({
      certificatePem: certs.toPem(certificate.rawData, 'CERTIFICATE'),
      sealedKey: sealSecret(this.deps.wrapKey, key.pkcs8, CA_KEY_LABEL),
      fingerprint: fingerprint256(certificate.rawData),
      commonName,
      createdAt: now,
      expiresAt: Math.floor(certificate.notAfter.getTime() / 1000),
    });
    key.pkcs8.fill(0);
    if (!created) throw new AppError('CA_EXISTS');
    await this.audit({ event: 'ca_created', fingerprint: fingerprint256(certificate.rawData), common_name: commonName, actor, request_id: requestId });
    await this.findCa();
    return this.status();
  }

  async caPem(): Promise<string> {
    const record = await this.deps.store.getCa();
    if (!record) throw new AppError('CA_MISSING');
    return record.certificatePem;
  }

  async issue(input: IssueInput, actor: string, requestId: string, event: 'issued' | 'registered'): Promise<IssuedCertificateJson> {
    const ca = await this.requireCa();
    const now = this.deps.clock.now();
    const { certs, pkcs12 } = await pkiLibraries();
    let publicKey: X509.PublicKey | CryptoKeyLike;
    let generated: Awaited<ReturnType<typeof certs.generateKey>> | null = null;
    if (input.csr !== undefined) {
      try {
        publicKey = (await certs.checkCsr(input.csr)).publicKey;
      } catch (error) {
        await this.audit({ event: 'rejected', common_name: input.commonName, actor, request_id: requestId, reason: (error as Error).message });
        throw new AppError('INVALID_CSR', `The CSR was rejected: ${(error as Error).message}.`);
      }
    } else {
      generated = await certs.generateKey();
      publicKey = generated.keys.publicKey;
    }
    const leaf = await certs.issueLeaf(ca, publicKey as X509.PublicKey, input.commonName, input.days, new Date(now * 1000));
    const der = Buffer.from(leaf.rawData);
    const record: CertRecord = {
      serial: leaf.serialNumber.toLowerCase(),
      fingerprint: fingerprint256(der),
      sha1: fingerprint1(der),
      commonName: input.commonName,
      admin: input.admin,
      issuedAt: now,
      expiresAt: Math.floor(leaf.notAfter.getTime() / 1000),
      revokedAt: null,
      certificatePem: certs.toPem(der, 'CERTIFICATE'),
    };
    await this.deps.store.insertCert(record);
    await this.audit({ event, serial: record.serial, fingerprint: record.fingerprint, common_name: record.commonName, actor, request_id: requestId });
    const result: IssuedCertificateJson = { serial: record.serial, fingerprint: record.fingerprint, certificate: record.certificatePem };
    if (generated) {
      const password = randomBytes(18).toString('base64url');
      result.private_key = certs.toPem(generated.pkcs8, 'PRIVATE KEY');
      result.pkcs12 = (await pkcs12.buildPkcs12(der, generated.pkcs8, password, input.commonName)).toString('base64');
      result.pkcs12_password = password;
      generated.pkcs8.fill(0);
    }
    return result;
  }

  /**
   * A TLS server certificate for `hosts`, signed by the CA (`sealbin issue-server-cert`). Audited,
   * but deliberately not recorded as an issued certificate: it is no client identity.
   */
  async issueServerCertificate(hosts: readonly string[], days: number, actor: string, requestId: string): Promise<ServerCertificate> {
    const ca = await this.requireCa();
    const { issueServerCertificate } = await import('../crypto/x509/server-certificate.js');
    const issued = await issueServerCertificate(ca, hosts, days, new Date(this.deps.clock.now() * 1000));
    await this.audit({ event: 'issued', serial: issued.serial, fingerprint: issued.fingerprint, common_name: hosts.join(','), actor, request_id: requestId, reason: 'TLS server certificate' });
    return issued;
  }

  async listCerts(): Promise<CertificateJson[]> {
    const now = this.deps.clock.now();
    return (await this.deps.store.listCerts()).map((cert) => ({
      serial: cert.serial,
      fingerprint: cert.fingerprint,
      common_name: cert.commonName,
      admin: cert.admin,
      issued_at: cert.issuedAt,
      expires_at: cert.expiresAt,
      revoked_at: cert.revokedAt,
      status: cert.revokedAt !== null ? 'revoked' : cert.expiresAt <= now ? 'expired' : 'valid',
    }));
  }

  async revoke(serial: string, actor: string, requestId: string): Promise<CertificateJson> {
    const normal = serial.toLowerCase();
    if (!/^[0-9a-f]{1,40}$/.test(normal)) throw new AppError('NOT_FOUND');
    const before = await this.deps.store.getCertBySerial(normal);
    if (!before) throw new AppError('NOT_FOUND');
    const after = await this.deps.store.revokeCert(normal, this.deps.clock.now());
    if (before.revokedAt === null) await this.audit({ event: 'revoked', serial: normal, fingerprint: before.fingerprint, common_name: before.commonName, actor, request_id: requestId });
    const view = (await this.listCerts()).find((cert) => cert.serial === normal);
    if (!after || !view) throw new AppError('NOT_FOUND');
    return view;
  }

  /** The current CRL; re-signed only when the revocation list changed or the cached one is a day old. */
  async crlPem(): Promise<string> {
    const ca = await this.requireCa();
    const now = this.deps.clock.now();
    const revoked = (await this.deps.store.listCerts()).filter((cert) => cert.revokedAt !== null);
    const key = `${Math.floor(now / 86400)}:${revoked.map((cert) => cert.serial).join(',')}`;
    if (this.crl?.key === key) return this.crl.pem;
    const { certs } = await pkiLibraries();
    const crl = await certs.createCrl(ca, revoked.map((cert) => ({ serial: cert.serial, revokedAt: new Date((cert.revokedAt as number) * 1000) })), new Date(now * 1000));
    this.crl = { key, pem: certs.toPem(crl.rawData, 'X509 CRL') };
    return this.crl.pem;
  }

  /**
   * Checks a presented certificate (DER) on every request: issued by our CA or a trusted one (a
   * self-signed look-alike with our CA's name fails the signature check), not revoked now, within
   * its validity now.
   */
  async identify(der: Buffer): Promise<Identity> {
    const fp = fingerprint256(der);
    let facts = this.verified.get(fp);
    if (!facts) {
      facts = await this.verifyChain(der);
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(fp, facts);
    }
    const record = await this.deps.store.getCertByFingerprint(fp);
    if (record && record.revokedAt !== null) throw new AppError('CERT_REVOKED');
    const now = this.deps.clock.now();
    if (now < facts.notBefore || now >= facts.notAfter) throw new AppError('CERT_EXPIRED');
    if (facts.ours && !record) throw new AppError('CERT_UNTRUSTED', 'The client certificate is not one this server issued.');
    return { owner: fp, admin: (record?.admin ?? false) || this.deps.admins.has(fp), commonName: record?.commonName ?? facts.commonName };
  }

  /** Compatibility with proxies that pass only the SHA-1 fingerprint: it must name a certificate we issued. */
  async identifyBySha1(sha1: string): Promise<Identity> {
    const record = /^[0-9a-f]{40}$/.test(sha1) ? await this.deps.store.getCertBySha1(sha1) : null;
    if (!record) throw new AppError('CERT_UNTRUSTED');
    if (record.revokedAt !== null) throw new AppError('CERT_REVOKED');
    const now = this.deps.clock.now();
    if (now >= record.expiresAt) throw new AppError('CERT_EXPIRED');
    return { owner: record.fingerprint, admin: record.admin || this.deps.admins.has(record.fingerprint), commonName: record.commonName };
  }

  private async verifyChain(der: Buffer): Promise<{ notBefore: number; notAfter: number; commonName: string; ours: boolean }> {
    const { x509 } = await pkiLibraries();
    let cert: X509.X509Certificate;
    try {
      cert = new x509.X509Certificate(der);
    } catch {
      throw new AppError('CERT_UNTRUSTED', 'The client certificate could not be parsed.');
    }
    const ca = await this.caMaterial();
    const issuers = [...(ca ? [{ cert: ca.certificate, ours: true }] : []), ...this.deps.trustedCas.map((c) => ({ cert: c, ours: false }))];
    for (const issuer of issuers) {
      if (cert.issuer !== issuer.cert.subject) continue;
      const ok = await cert.verify({ publicKey: issuer.cert.publicKey, signatureOnly: true }).catch(() => false);
      if (!ok) continue;
      // A CA certificate (ours or anyone's) is no client identity.
      const constraints = cert.getExtension(x509.BasicConstraintsExtension);
      if (constraints?.ca) break;
      const commonName = cert.subjectName.getField('CN')[0] ?? '';
      return { notBefore: Math.floor(cert.notBefore.getTime() / 1000), notAfter: Math.floor(cert.notAfter.getTime() / 1000), commonName, ours: issuer.ours };
    }
    throw new AppError('CERT_UNTRUSTED');
  }

  private async audit(event: AuditEvent): Promise<void> {
    await this.deps.audit.record(event);
    this.onAudit?.(event);
  }
}

type CryptoKeyLike = Parameters<typeof Certificates.issueLeaf>[1];
