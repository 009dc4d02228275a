// registration (black box, over TLS): self-registration costs a register-purpose proof of work at
// SEALBIN_REGISTER_DIFFICULTY and yields a non-admin client certificate (a generated key pair with a
// PKCS#12, or a certificate for the caller's own CSR). A paste-purpose token, a wrong solution, a
// reused token or no proof at all get nothing.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../../../src/security/pow.js';
import { wrongSolution } from '../../helpers/pow-token.js';
import { certOf, createPasteAs, expectErr, expectStatus, fingerprintOf, makeCsr, openssl, startIdentityServer } from './support.js';
import type { CertView, Client, IdentityServer, Issued, PkiStatus } from './support.js';

const DIFFICULTY = 8;

interface ChallengeJson {
  enabled: boolean;
  difficulty: number;
  nonce: string | null;
  expires: number | null;
  token: string | null;
}

let s: IdentityServer;
let anon: Client;
let admin: Client;

beforeAll(async () => {
  s = await startIdentityServer({ env: { SEALBIN_REGISTER_DIFFICULTY: String(DIFFICULTY), SEALBIN_POW_DIFFICULTY: String(DIFFICULTY) } });
  anon = s.client();
  admin = s.as(s.externalAdmin);
});
afterAll(async () => {
  await s?.dispose();
});

async function challenge(path = '/register/challenge'): Promise<ChallengeJson> {
  const reply = await anon.get(path);
  expectStatus(reply, 200);
  return reply.json<ChallengeJson>();
}

/** PoW headers for a solved challenge from `path`. */
async function solved(path = '/register/challenge'): Promise<Record<string, string>> {
  const c = await challenge(path);
  expect(c.enabled).toBe(true);
  return { 'x-pow-token': c.token as string, 'x-pow-solution': solve(c.nonce as string, c.difficulty) };
}

async function issuedCount(): Promise<number> {
  return (await anon.get('/pki/status')).json<PkiStatus>().issued;
}

describe('registration: before a CA exists', () => {
  it('a solved registration is 409 CA_MISSING', async () => {
    expectErr(await anon.post('/register', { common_name: 'too-early' }, await solved()), 409, 'CA_MISSING');
  });

  it('an admin may create the CA even from a forwarded (non-local) request', async () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.9' };
    expectErr(await anon.post('/pki/ca', { common_name: 'Not Yours' }, forwarded), 403, 'FORBIDDEN');
    expectStatus(await admin.post('/pki/ca', { common_name: 'Registration CA', days: 30 }, forwarded), 201);
    expect((await anon.get('/pki/status')).json<PkiStatus>()).toMatchObject({ ca_exists: true, common_name: 'Registration CA' });
  });
});

describe('registration', () => {
  it('GET /register/challenge: a challenge at SEALBIN_REGISTER_DIFFICULTY', async () => {
    const c = await challenge();
    expect(c).toEqual({ enabled: true, difficulty: DIFFICULTY, nonce: expect.any(String), expires: expect.any(Number), token: expect.any(String) });
    expect(c.expires).toBeGreaterThan(Math.floor(Date.now() / 1000));
  });

  it('POST /register without proof of work is 400 POW_REQUIRED', async () => {
    const before = await issuedCount();
    expectErr(await anon.post('/register', { common_name: 'freeloader' }), 400, 'POW_REQUIRED');
    expect(await issuedCount()).toBe(before);
  });

  it('a solved paste-purpose token is 400 POW_INVALID', async () => {
    const before = await issuedCount();
    const paste = await solved('/challenge');
    expectErr(await anon.post('/register', { common_name: 'cheap' }, paste), 400, 'POW_INVALID');
    expect(await issuedCount()).toBe(before);
  });

  it('a wrong solution, a token without solution and a tampered token are 400 POW_INVALID', async () => {
    const before = await issuedCount();
    const c = await challenge();
    expectErr(await anon.post('/register', { common_name: 'x' }, { 'x-pow-token': c.token as string, 'x-pow-solution': wrongSolution(c.nonce as string, DIFFICULTY) }), 400, 'POW_INVALID');
    const d = await challenge();
    expectErr(await anon.post('/register', { common_name: 'x' }, { 'x-pow-token': d.token as string }), 400, 'POW_INVALID');
    const e = await challenge();
    const solution = solve(e.nonce as string, DIFFICULTY);
    expectErr(await anon.post('/register', { common_name: 'x' }, { 'x-pow-token': `${e.token as string}x`, 'x-pow-solution': solution }), 400, 'POW_INVALID');
    expect(await issuedCount()).toBe(before);
  });

  it('success without a CSR: 201 with a certificate, key and PKCS#12; a working non-admin identity', async () => {
    const reply = await anon.post('/register', { common_name: 'newcomer' }, await solved());
    expectStatus(reply, 201);
    const issued = reply.json<Issued>();
    expect(issued.serial).toMatch(/^[0-9a-f]+$/);
    expect(issued.fingerprint).toBe(fingerprintOf(issued.certificate));
    expect(issued.private_key).toMatch(/-----BEGIN PRIVATE KEY-----/);
    expect(issued.pkcs12).toEqual(expect.any(String));
    expect(issued.pkcs12_password).toEqual(expect.any(String));
    expect(new X509Certificate(issued.certificate).checkPrivateKey(createPrivateKey(issued.private_key as string))).toBe(true);
    const p12 = s.work.write('newcomer.p12', Buffer.from(issued.pkcs12 as string, 'base64'));
    expect(openssl(['pkcs12', '-in', p12, '-passin', `pass:${issued.pkcs12_password as string}`, '-nokeys'])).toContain('BEGIN CERTIFICATE');
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], issued.certificate).trim();
    expect(subject).toBe('subject=CN=newcomer');

    const user = s.as(certOf(issued));
    // Authenticated clients are exempt from the paste proof of work; anonymous ones are not.
    expect((await createPasteAs(user, 'registered')).owner).toBe(issued.fingerprint);
    expectErr(await anon.paste('anonymous'), 400, 'POW_REQUIRED');
    expectStatus(await user.get('/pastes'), 200);
    // Non-admin.
    expectErr(await user.get('/pki/certs'), 403, 'FORBIDDEN');
    expectErr(await user.post('/pki/issue', { common_name: 'x' }), 403, 'FORBIDDEN');
    const listed = (await admin.get('/pki/certs')).json<{ certificates: CertView[] }>().certificates;
    expect(listed.find((c) => c.serial === issued.serial)).toMatchObject({ admin: false, common_name: 'newcomer', status: 'valid' });
  });

  it('asking for admin in the body does not make an admin', async () => {
    const csr = makeCsr(s.work, 'climber', '/CN=climber');
    const reply = await anon.post('/register', { common_name: 'climber', csr: csr.csr, admin: true }, await solved());
    // Either the unknown field is refused or it is ignored; it never grants anything.
    if (reply.status !== 201) {
      expectErr(reply, 400, 'INVALID_REQUEST');
      return;
    }
    const issued = reply.json<Issued>();
    expectErr(await s.as({ cert: issued.certificate, key: csr.key }).get('/pki/certs'), 403, 'FORBIDDEN');
    const listed = (await admin.get('/pki/certs')).json<{ certificates: CertView[] }>().certificates;
    expect(listed.find((c) => c.serial === issued.serial)).toMatchObject({ admin: false });
  });

  it('with a CSR: 201 without any private key; the caller\'s key works with the certificate', async () => {
    const csr = makeCsr(s.work, 'own-key', '/CN=whatever/O=Ignored', ['-addext', 'basicConstraints=critical,CA:TRUE']);
    const reply = await anon.post('/register', { common_name: 'own-key', csr: csr.csr }, await solved());
    expectStatus(reply, 201);
    const issued = reply.json<Issued>();
    expect(Object.keys(issued).sort()).toEqual(['certificate', 'fingerprint', 'serial']);
    expect(reply.text).not.toMatch(/PRIVATE KEY|pkcs12/);
    expect(openssl(['x509', '-noout', '-pubkey'], issued.certificate)).toBe(openssl(['req', '-in', csr.csrPath, '-noout', '-pubkey']));
    const text = openssl(['x509', '-noout', '-text'], issued.certificate);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toMatch(/TLS Web Client Authentication/);
    expect(openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], issued.certificate).trim()).toBe('subject=CN=own-key');
    expect((await createPasteAs(s.as({ cert: issued.certificate, key: csr.key }), 'own key')).owner).toBe(issued.fingerprint);
  });

  it('a solved token is single-use', async () => {
    const headers = await solved();
    const csr = makeCsr(s.work, 'once', '/CN=once');
    expectStatus(await anon.post('/register', { common_name: 'once', csr: csr.csr }, headers), 201);
    const before = await issuedCount();
    expectErr(await anon.post('/register', { common_name: 'twice', csr: csr.csr }, headers), 400, 'POW_INVALID');
    expect(await issuedCount()).toBe(before);
  });

  it('an invalid CSR or common name is 400 and issues nothing', async () => {
    const before = await issuedCount();
    expectErr(await anon.post('/register', { common_name: 'bad-csr', csr: 'garbage' }, await solved()), 400, 'INVALID_CSR');
    expectErr(await anon.post('/register', { common_name: 'bad\u0007name' }, await solved()), 400, 'INVALID_REQUEST');
    expectErr(await anon.post('/register', {}, await solved()), 400, 'INVALID_REQUEST');
    expect(await issuedCount()).toBe(before);
  });
});
