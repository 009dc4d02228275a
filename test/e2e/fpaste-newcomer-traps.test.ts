// Traps a newcomer fell into, against a real plain-HTTP server (as the README starts it): a
// certificate registered over http:// that can never be presented, https:// against a plain-HTTP
// port, a body over the server's limit, and a wrong key on a burn-after-read paste.
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';

let server: RunningServer;
let user: FpasteUser;

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '8' } });
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  // The operator's loopback bootstrap, as docs/identity.md shows it with curl.
  const ca = await fetch(`${server.url}/pki/ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ common_name: 'Plain CA' }) });
  expect(ca.status).toBe(201);
  user = new FpasteUser(server.url);
});

afterAll(async () => {
  user?.dispose();
  await server?.dispose();
});

/** Access-log lines of creations (the route template, never the URL). */
const creations = () => server.output().match(/"method":"POST","route":"\/"/g)?.length ?? 0;

describe('a client certificate over plain HTTP', () => {
  it('register --configure warns that the certificate cannot be used at this URL; list then says why', async () => {
    const registered = expectExit(await user.run(['register', '--configure', '-n', 'newcomer']), 0);
    expect(registered.out).toContain('registered newcomer');
    expect(registered.stderr).toMatch(/warning: http:\/\/127\.0\.0\.1:\d+ is plain HTTP: the certificate is issued, but it can only be presented over TLS/);
    expect(registered.stderr).toContain('docs/identity.md');
    for (const command of [['list'], ['search', '--type', 'text/*'], ['export', '-o', 'out']]) {
      const refused = expectExit(await user.run(command), 1);
      expect(refused.stderr.trim().split('\n'), command.join(' ')).toHaveLength(1);
      expect(refused.stderr).toMatch(/is plain HTTP, so no client certificate can be presented .*https:\/\//);
      // Not the old advice, which sent users round in circles.
      expect(refused.stderr).not.toContain('get one with');
      expect(refused.stderr).not.toContain('run fpaste register');
    }
    // info tells the same story.
    expect(expectExit(await user.run(['info']), 0).out).toContain('never presented: the server is plain HTTP');
  });

  it('update of an owned item explains the same instead of a bare "needs a certificate"', async () => {
    const url = printedUrl(expectExit(await user.run(['-E'], { input: 'mine?' }), 0));
    const refused = expectExit(await user.run(['update', url, '--expiry', '1h']), 1);
    expect(refused.stderr).toContain('is plain HTTP, so no client certificate can be presented');
  });

  it('a 401 from the server over plain HTTP explains why a certificate cannot help there', async () => {
    // Not remembered, so no delete token: the server asks for a token or a certificate.
    const url = printedUrl(expectExit(await user.run(['--no-save'], { input: 'no token here' }), 0));
    const refused = expectExit(await user.run(['delete', url]), 1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('delete token');
    expect(refused.stderr).toContain('is plain HTTP, so no client certificate can be presented');
    expect(refused.stderr).not.toContain('get one with');
  });
});

describe('https:// against a plain-HTTP server', () => {
  it('says the server answered in plain HTTP, not an OpenSSL "wrong version number"', async () => {
    const https = server.url.replace(/^http:/, 'https:');
    const result = expectExit(await user.run(['--server', https, 'info']), 1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^fpaste: TLS: 127\.0\.0\.1:\d+ answered in plain HTTP, not TLS/);
    expect(result.stderr).toContain('Use http://127.0.0.1:');
    expect(result.stderr).not.toMatch(/wrong version number|SSL routines|EPROTO/);
  });
});

describe('the server\'s size limit', () => {
  it('a body over max_size is refused before anything is sent, encrypted or plain', async () => {
    // Sparse: 200 MiB on paper, nothing on disk; the default limit is 100 MiB.
    const big = join(user.work, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 200 * 1024 * 1024);
    const before = creations();
    for (const args of [['big.bin'], ['-E', 'big.bin'], ['upload', 'big.bin']]) {
      const started = Date.now();
      const refused = expectExit(await user.run(args), 1);
      expect(refused.stderr.trim(), args.join(' ')).toMatch(/^fpaste: too large: 200 MiB( once encrypted)?, and the server accepts at most 100 MiB per item; nothing was sent$/);
      // Refused from the limits alone: far quicker than sending 200 MiB.
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    expect(creations()).toBe(before);
    // The server never had to refuse one: nothing reached it.
    expect(server.output()).not.toMatch(/"status":413/);
  });

  it('a body within the limit still goes through', async () => {
    const big = join(user.work, 'two-mib.bin');
    writeFileSync(big, '');
    truncateSync(big, 2 * 1024 * 1024);
    const url = printedUrl(expectExit(await user.run(['two-mib.bin']), 0));
    expect(url).toMatch(/#/);
  });
});

describe('a wrong key on a burn-after-read paste', () => {
  it('says the read destroyed it, and it is then gone', async () => {
    const burn = printedUrl(expectExit(await user.run(['--burn', '--no-save'], { input: 'for your eyes once' }), 0));
    const other = printedUrl(expectExit(await user.run(['--no-save'], { input: 'another paste' }), 0));
    const wrongKey = `${burn.split('#')[0] as string}#${other.split('#')[1] as string}`;
    const failed = expectExit(await user.run(['get', wrongKey]), 1);
    expect(failed.stdout.length).toBe(0);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toContain('wrong key');
    expect(failed.stderr).toContain('burn-after-read item, and this read destroyed it on the server: it is gone');
    // Indeed gone, even with the right key.
    expect(expectExit(await user.run(['get', burn]), 1).stderr).toContain('not found');
  });

  it('a wrong key on an ordinary paste says only "wrong key" (it is still there)', async () => {
    const kept = printedUrl(expectExit(await user.run(['--no-save'], { input: 'stays' }), 0));
    const other = printedUrl(expectExit(await user.run(['--no-save'], { input: 'other' }), 0));
    const failed = expectExit(await user.run(['get', `${kept.split('#')[0] as string}#${other.split('#')[1] as string}`]), 1);
    expect(failed.stderr).toContain('wrong key');
    expect(failed.stderr).not.toContain('burn');
    expect(expectExit(await user.run(['get', kept]), 0).out).toBe('stays');
  });
});
