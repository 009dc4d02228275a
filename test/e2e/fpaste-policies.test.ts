// fpaste and the policies of issue 15, end to end: --max-downloads on create and upload (checked before
// sending, refused with --burn), the limit honoured by the server and shown by `info`; and a private
// instance (SEALBIN_CREATE_REQUIRES_AUTH) refusing an anonymous fpaste with one clear line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { insecurePostJson, makeServerTls } from '../helpers/tls.js';
import type { ServerTls } from '../helpers/tls.js';

describe('fpaste --max-downloads', () => {
  let server: RunningServer;
  let user: FpasteUser;
  beforeAll(async () => {
    server = await startServer();
    user = new FpasteUser(server.url);
  });
  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
  });

  it('upload --max-downloads 2: two downloads, then gone; info shows what is left', async () => {
    writeFileSync(join(user.work, 'twice.txt'), 'read me twice\n');
    const created = JSON.parse(expectExit(await user.run(['upload', '--max-downloads', '2', '--json', 'twice.txt']), 0).out) as { id: string; key: string; downloads_remaining: number };
    expect(created.downloads_remaining).toBe(2);
    expect(expectExit(await user.run(['info', created.id]), 0).out).toMatch(/downloads left:\s+2/);
    expect(expectExit(await user.run(['download', created.key, '-o', '-']), 0).out).toBe('read me twice\n');
    expect(expectExit(await user.run(['info', created.id]), 0).out).toMatch(/downloads left:\s+1/);
    expect(expectExit(await user.run(['download', created.key, '-o', '-']), 0).out).toBe('read me twice\n');
    expect(expectExit(await user.run(['download', created.key, '-o', '-']), 1).stderr).toMatch(/not found/);
  });

  it('create --max-downloads 1 (end-to-end encrypted): one get, then gone', async () => {
    const url = printedUrl(expectExit(await user.run(['--max-downloads', '1'], { input: 'once only' }), 0));
    expect(expectExit(await user.run(['get', url]), 0).out).toBe('once only');
    expectExit(await user.run(['get', url]), 1);
  });

  it.each([['0'], ['1001'], ['1.5'], ['lots']])('refuses --max-downloads %s as a usage error, sending nothing', async (value) => {
    const result = expectExit(await user.run(['--max-downloads', value], { input: 'x' }), 2);
    expect(result.stderr).toMatch(/--max-downloads takes a whole number from 1 to 1000/);
  });

  it('refuses --burn with --max-downloads', async () => {
    expect(expectExit(await user.run(['--burn', '--max-downloads', '3'], { input: 'x' }), 2).stderr).toMatch(/cannot be combined/);
  });
});

describe('fpaste against a private instance (SEALBIN_CREATE_REQUIRES_AUTH=1, TLS)', () => {
  let server: RunningServer;
  let tls: ServerTls;
  let tlsDir: string;
  let user: FpasteUser;
  beforeAll(async () => {
    tlsDir = mkdtempSync(join(tmpdir(), 'fpaste-private-'));
    tls = await makeServerTls(tlsDir);
    server = await startServer({ env: { SEALBIN_CREATE_REQUIRES_AUTH: '1', SEALBIN_TLS_CERT: tls.certPath, SEALBIN_TLS_KEY: tls.keyPath, SEALBIN_REGISTER_DIFFICULTY: '8' } });
    expect((await insecurePostJson(`${server.url}/pki/ca`, { common_name: 'Private CA' })).status).toBe(201);
    user = new FpasteUser(server.url);
  });
  afterAll(async () => {
    user?.dispose();
    await server?.dispose();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  const run = (args: string[], input = 'hello') => user.run(['--ca', tls.certPath, ...args], { input });

  it.each([[['create']], [['upload', 'f.txt']], [['shorten', 'https://example.org/']]])('%j without a certificate: one line saying how to get in', async (args) => {
    writeFileSync(join(user.work, 'f.txt'), 'hello');
    const result = expectExit(await run(args), 1);
    expect(result.stderr.trim()).toBe('fpaste: this server accepts uploads only from registered clients: fpaste register --configure (or pass --cert and --key)');
  });

  it('following the advice works: register --configure, then create', async () => {
    expect(expectExit(await run(['info', '--json']), 0).out).toMatch(/"create_requires_auth": true/);
    expectExit(await run(['register', '--configure']), 0);
    const url = printedUrl(expectExit(await run(['create'], 'members only'), 0));
    expect(expectExit(await run(['get', url]), 0).out).toBe('members only');
  });
});
