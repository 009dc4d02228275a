// pki-survives-restart (black box, over TLS): the CA, issued certificates, admin roles and
// revocations are durable. After a restart on the same data dir the CA is the same one (its key
// came back from storage), identities still own their pastes, a revoked certificate stays revoked,
// and SEALBIN_ADMINS can name a certificate the server itself issued (in any common spelling).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptableClientCas, createCa, createPasteAs, expectErr, expectStatus, issue, makeCsr, register, startIdentityServer } from './support.js';
import type { ClientCert, IdentityServer, Issued, PasteView, PkiStatus } from './support.js';

let s: IdentityServer;
let before: PkiStatus;
let caPem: string;
let alice: { issued: Issued; cert: ClientCert };
let revoked: { issued: Issued; cert: ClientCert };
let deputy: { issued: Issued; cert: ClientCert };
let alicePaste: PasteView;

async function withCsr(name: string, how: (csr: string) => Promise<Issued>): Promise<{ issued: Issued; cert: ClientCert }> {
  const csr = makeCsr(s.work, name, `/CN=${name}`);
  const issued = await how(csr.csr);
  return { issued, cert: { cert: issued.certificate, key: csr.key } };
}

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0' } });
  const anon = s.client();
  const admin = s.as(s.externalAdmin);
  caPem = await createCa(anon, 'Durable CA');
  alice = await withCsr('alice', (csr) => register(anon, { common_name: 'alice', csr }));
  revoked = await withCsr('revoked', (csr) => register(anon, { common_name: 'revoked', csr }));
  deputy = await withCsr('deputy', (csr) => issue(admin, { common_name: 'deputy', admin: true, csr }));
  alicePaste = await createPasteAs(s.as(alice.cert), 'alice before restart');
  expectStatus(await admin.post(`/pki/revoke/${revoked.issued.serial}`), 200);
  before = (await anon.get('/pki/status')).json<PkiStatus>();
  // Alice becomes an admin through SEALBIN_ADMINS, written upper-case with colons.
  const spelled = (alice.issued.fingerprint.toUpperCase().match(/../g) ?? []).join(':');
  await s.restart({ SEALBIN_ADMINS: `${spelled}` });
});
afterAll(async () => {
  await s?.dispose();
});

describe('pki-survives-restart', () => {
  it('the CA is the same one and the counts are unchanged', async () => {
    const anon = s.client();
    expect((await anon.get('/pki/status')).json<PkiStatus>()).toEqual(before);
    expect((await anon.get('/pki/ca.crt')).text).toBe(caPem);
    expectErr(await anon.post('/pki/ca', { common_name: 'Replacement' }), 403, 'FORBIDDEN');
    // TLS asks for certificates of the stored CA from the start.
    expect(acceptableClientCas(s.url, s.serverCaPath as string)).toContain('CN = Durable CA, O = Sealbin');
  });

  it('an issued certificate is still its owner\'s identity, and still owns its paste', async () => {
    const client = s.as(alice.cert);
    const listed = await client.get('/pastes');
    expectStatus(listed, 200);
    expect(listed.json<{ pastes: PasteView[] }>().pastes.map((p) => p.id)).toEqual([alicePaste.id]);
    expect((await createPasteAs(client, 'alice after restart')).owner).toBe(alice.issued.fingerprint);
  });

  it('a revoked certificate stays revoked', async () => {
    expectErr(await s.as(revoked.cert).get('/pastes'), 401, 'CERT_REVOKED');
  });

  it('an admin issued with admin:true is still an admin', async () => {
    expectStatus(await s.as(deputy.cert).get('/pki/certs'), 200);
  });

  it('SEALBIN_ADMINS can name a certificate the server issued (upper-case, colon-separated)', async () => {
    const client = s.as(alice.cert);
    expectStatus(await client.get('/pki/certs'), 200);
    expectStatus(await client.get('/pastes?all=1'), 200);
    // The new CA still signs: issuing works after the key came back from storage.
    const more = await withCsr('after-restart', (csr) => issue(client, { common_name: 'after-restart', csr }));
    expect((await createPasteAs(s.as(more.cert), 'new cert')).owner).toBe(more.issued.fingerprint);
  });

  it('the previous SEALBIN_ADMINS entry was replaced: the external admin is an ordinary (trusted) identity now', async () => {
    const external = s.as(s.externalAdmin);
    expectErr(await external.get('/pki/certs'), 403, 'FORBIDDEN');
    expectStatus(await external.get('/pastes'), 200);
  });
});
