// revoked-on-keepalive (black box): a TLS connection authenticated its client certificate once, in
// the handshake; a revocation must still apply to the very next request on that kept-alive
// connection ("takes effect on the next request everywhere"), for users and for admins alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createPasteAs, expectErr, expectStatus, fingerprintOf, issue, makeCsr, register, startIdentityServer } from './support.js';
import type { CertView, Client, ClientCert, IdentityServer, Issued, PasteView } from './support.js';

let s: IdentityServer;
let anon: Client;
let rootAdmin: Client;

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0' } });
  anon = s.client();
  rootAdmin = s.as(s.externalAdmin);
  await createCa(anon);
});
afterAll(async () => {
  await s?.dispose();
});

async function registerWithCsr(name: string): Promise<{ issued: Issued; cert: ClientCert }> {
  const csr = makeCsr(s.work, name, `/CN=${name}`);
  const issued = await register(anon, { common_name: name, csr: csr.csr });
  return { issued, cert: { cert: issued.certificate, key: csr.key } };
}

async function allPastes(): Promise<PasteView[]> {
  const reply = await rootAdmin.get('/pastes?all=1&limit=200');
  expectStatus(reply, 200);
  return reply.json<{ pastes: PasteView[] }>().pastes;
}

describe('revoked-on-keepalive', () => {
  it('a user revoked by an admin (issued with admin:true) is refused on the same open connection', async () => {
    const adminCsr = makeCsr(s.work, 'second-admin', '/CN=second-admin');
    const adminIssued = await issue(rootAdmin, { common_name: 'second-admin', days: 2, admin: true, csr: adminCsr.csr });
    const admin = s.as({ cert: adminIssued.certificate, key: adminCsr.key });
    const user = await registerWithCsr('carol');
    const carol = s.as(user.cert);

    const first = await carol.get('/pastes');
    expectStatus(first, 200);
    const created = await carol.paste('written before revocation');
    expectStatus(created, 201);
    expect(created.json<PasteView>().owner).toBe(fingerprintOf(user.issued.certificate));
    expect(created.reusedSocket).toBe(true);
    expect(created.connection).toBe(first.connection);

    const revoked = await admin.post(`/pki/revoke/${user.issued.serial}`);
    expectStatus(revoked, 200);
    expect(revoked.json<CertView>()).toMatchObject({ serial: user.issued.serial, status: 'revoked' });

    // The same socket, no new handshake: refused now.
    const after = await carol.get('/pastes');
    expect(after.reusedSocket).toBe(true);
    expect(after.connection).toBe(first.connection);
    expectErr(after, 401, 'CERT_REVOKED');
    const countBefore = (await allPastes()).length;
    const write = await carol.paste('written after revocation');
    expect(write.connection).toBe(first.connection);
    expectErr(write, 401, 'CERT_REVOKED');
    expect((await allPastes()).length).toBe(countBefore);
    // Not even public endpoints treat the revoked certificate as anonymous.
    expectErr(await carol.get('/pki/status'), 401, 'CERT_REVOKED');
    // Nor can it delete what it owned.
    expectErr(await carol.request('DELETE', `/${created.json<PasteView>().id}`), 401, 'CERT_REVOKED');
    expect((await allPastes()).some((p) => p.id === created.json<PasteView>().id)).toBe(true);
  });

  it('a new connection with the revoked certificate is refused too', async () => {
    const user = await registerWithCsr('dave');
    const first = s.as(user.cert);
    expectStatus(await first.get('/pastes'), 200);
    expectStatus(await rootAdmin.post(`/pki/revoke/${user.issued.serial}`), 200);
    const fresh = s.as(user.cert);
    const reply = await fresh.get('/pastes');
    expect(reply.reusedSocket).toBe(false);
    expectErr(reply, 401, 'CERT_REVOKED');
  });

  it('an admin certificate revoked while its connection is open loses its powers on the next request', async () => {
    const csr = makeCsr(s.work, 'third-admin', '/CN=third-admin');
    const issued = await issue(rootAdmin, { common_name: 'third-admin', days: 2, admin: true, csr: csr.csr });
    const admin = s.as({ cert: issued.certificate, key: csr.key });
    const listed = await admin.get('/pki/certs');
    expectStatus(listed, 200);
    expectStatus(await rootAdmin.post(`/pki/revoke/${issued.serial}`), 200);
    const again = await admin.get('/pki/certs');
    expect(again.connection).toBe(listed.connection);
    expectErr(again, 401, 'CERT_REVOKED');
    const victim = await registerWithCsr('erin');
    expectErr(await admin.post(`/pki/revoke/${victim.issued.serial}`), 401, 'CERT_REVOKED');
    // Erin is untouched.
    expectStatus(await s.as(victim.cert).get('/pastes'), 200);
  });

  it('other users on their own kept-alive connections are unaffected', async () => {
    const user = await registerWithCsr('frank');
    const frank = s.as(user.cert);
    const first = await createPasteAs(frank, 'one');
    const other = await registerWithCsr('grace');
    expectStatus(await rootAdmin.post(`/pki/revoke/${other.issued.serial}`), 200);
    const second = await frank.paste('two');
    expect(second.reusedSocket).toBe(true);
    expectStatus(second, 201);
    expect(second.json<PasteView>().owner).toBe(first.owner);
  });
});
