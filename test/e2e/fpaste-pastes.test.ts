// fpaste end to end (the bundled CLI as a child process, the real server process): create and get
// back byte-identical text and binary, burn, expiry, delete, keys in the fragment, file shares,
// short links, and what the server actually receives.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: RunningServer;
let user: FpasteUser;

beforeAll(async () => {
  server = await startServer({ env: { SEALBIN_MAX_EXPIRY: '0' } });
  user = new FpasteUser(server.url);
});

afterAll(async () => {
  user?.dispose();
  await server?.dispose();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function splitUrl(url: string): { id: string; key: string; base: string } {
  const match = /^(https?:\/\/[^#]+)\/([0-9a-f]{32})#([A-Za-z0-9_-]{43})$/.exec(url);
  if (!match) throw new Error(`not a URL#key: ${url}`);
  return { base: match[1] as string, id: match[2] as string, key: match[3] as string };
}

async function serverView(id: string): Promise<{ meta: Record<string, unknown>; raw: Buffer }> {
  const meta = (await (await fetch(`${server.url}/${id}`)).json()) as Record<string, unknown>;
  const raw = Buffer.from(await (await fetch(`${server.url}/${id}/raw`)).arrayBuffer());
  return { meta, raw };
}

describe('fpaste create and get', () => {
  it('text from stdin comes back identical; the server only ever saw ciphertext', async () => {
    const text = 'hello from fpaste\nsecond line: ünïcödé ✓\n';
    const created = expectExit(await user.run([], { input: text }), 0);
    const url = printedUrl(created);
    const { id, key } = splitUrl(url);
    const got = expectExit(await user.run(['get', url]), 0);
    expect(got.out).toBe(text);
    const { meta, raw } = await serverView(id);
    expect(meta['mime_type']).toBe('application/octet-stream');
    expect(meta['filename']).toBeUndefined();
    expect(raw.subarray(0, 4).toString('latin1')).toBe('SBEE');
    expect(raw.includes(Buffer.from('hello from fpaste'))).toBe(false);
    // The key never went to the server: it is in no request the server could log, only the fragment.
    expect(server.output()).not.toContain(key);
  });

  it('a binary file comes back byte-identical with -o (and its name stays inside the encryption)', async () => {
    const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(1000), Buffer.from([0xff, 0xfe, 0x00, 0x01])]);
    const path = join(user.work, 'blob.bin');
    writeFileSync(path, data);
    const url = printedUrl(expectExit(await user.run(['blob.bin']), 0));
    expectExit(await user.run(['get', url, '-o', 'back.bin']), 0);
    expect(sha256(readFileSync(join(user.work, 'back.bin')))).toBe(sha256(data));
    const { meta } = await serverView(splitUrl(url).id);
    expect(meta['filename']).toBeUndefined();
    expect(server.output()).not.toContain('blob.bin');
    // -O saves under the name from inside the ciphertext.
    const dir = join(user.work, 'named');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    expectExit(await user.run(['get', url, '-O'], { cwd: dir }), 0);
    expect(sha256(readFileSync(join(dir, 'blob.bin')))).toBe(sha256(data));
  });

  it('explicit `create`, stdin via "-", --name, --json with the whole response', async () => {
    const result = expectExit(await user.run(['create', '-', '--name', 'notes.md', '--json'], { input: '# notes\n' }), 0);
    const json = JSON.parse(result.out) as Record<string, unknown>;
    for (const field of ['id', 'url', 'raw', 'size', 'mime_type', 'sha256', 'created_at', 'expires_at', 'burn_after_read', 'owner', 'delete_token', 'e2e_key', 'url_with_key']) expect(json, field).toHaveProperty(field);
    expect(json['url_with_key']).toBe(`${String(json['url'])}#${String(json['e2e_key'])}`);
    const got = expectExit(await user.run(['get', String(json['url_with_key']), '-O']), 0);
    expect(got.stderr).toContain('notes.md');
    expect(readFileSync(join(user.work, 'notes.md'), 'utf8')).toBe('# notes\n');
  });

  it('-E/--no-encrypt sends plain content with its name; get needs no key', async () => {
    writeFileSync(join(user.work, 'plain.txt'), 'plain words\n');
    const url = printedUrl(expectExit(await user.run(['-E', 'plain.txt']), 0));
    expect(url).not.toContain('#');
    const id = url.split('/').pop() as string;
    const { meta, raw } = await serverView(id);
    expect(meta['mime_type']).toBe('text/plain');
    expect(meta['filename']).toBe('plain.txt');
    expect(raw.toString()).toBe('plain words\n');
    expect(expectExit(await user.run(['get', id]), 0).out).toBe('plain words\n');
    const named = printedUrl(expectExit(await user.run(['--no-encrypt', '--name', 'résumé ✓.txt'], { input: 'x' }), 0));
    expect((await serverView(named.split('/').pop() as string)).meta['filename']).toBe('résumé ✓.txt');
  });

  it('get by bare id uses the key remembered at creation', async () => {
    const url = printedUrl(expectExit(await user.run([], { input: 'remembered' }), 0));
    expect(expectExit(await user.run(['get', splitUrl(url).id]), 0).out).toBe('remembered');
  });

  it('--burn: served once, then gone (a clear one-line not-found, exit 1)', async () => {
    const url = printedUrl(expectExit(await user.run(['--burn'], { input: 'read me once' }), 0));
    expect(expectExit(await user.run(['get', url]), 0).out).toBe('read me once');
    const again = expectExit(await user.run(['get', url]), 1);
    expect(again.stderr.trim()).toBe('fpaste: not found: no such item (it may have expired, been burned or deleted)');
    expect(again.stdout.length).toBe(0);
  });

  it('--expiry: 1h and 3d set expires_at; 1 second expires', async () => {
    const before = Math.floor(Date.now() / 1000);
    const hour = JSON.parse(expectExit(await user.run(['--expiry', '1h', '--json'], { input: 'an hour' }), 0).out) as { expires_at: number };
    expect(hour.expires_at - before).toBeGreaterThanOrEqual(3599);
    // Bounded by the time after the run (rounded up, as the server counts expiry from the next whole
    // second), however long a busy machine took to run the CLI.
    expect(hour.expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    const days = JSON.parse(expectExit(await user.run(['--expiry', '3d', '--json'], { input: 'three days' }), 0).out) as { expires_at: number };
    expect(days.expires_at - before).toBeGreaterThanOrEqual(3 * 86400 - 1);
    const seconds = JSON.parse(expectExit(await user.run(['--expiry', '90', '--json'], { input: 'ninety' }), 0).out) as { expires_at: number };
    expect(seconds.expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 90);
    const short = printedUrl(expectExit(await user.run(['--expiry', '1'], { input: 'fleeting' }), 0));
    // Polled, not slept: it expires within a second, later than that on a busy machine.
    const gone = await waitFor(async () => {
      const attempt = await user.run(['get', short]);
      return attempt.code === 1 ? attempt : null;
    }, 'the 1-second paste to expire', { intervalMs: 300 });
    expect(gone.stderr).toContain('not found');
    const bad = expectExit(await user.run(['--expiry', 'soon'], { input: 'x' }), 2);
    expect(bad.stderr).toContain('--expiry');
  });

  it('delete: the remembered delete token works; afterwards the paste is gone', async () => {
    const url = printedUrl(expectExit(await user.run([], { input: 'delete me' }), 0));
    const { id } = splitUrl(url);
    expect(expectExit(await user.run(['delete', url]), 0).out).toContain(`deleted ${id}`);
    expect(expectExit(await user.run(['get', url]), 1).stderr).toContain('not found');
    // Without a token or certificate: the server's AUTH_REQUIRED as one line.
    const other = printedUrl(expectExit(await user.run(['--no-save'], { input: 'not remembered' }), 0));
    const refused = expectExit(await user.run(['delete', other]), 1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/delete token|certificate/);
    // An explicit --token (e.g. from --json) works too.
    const json = JSON.parse(expectExit(await user.run(['--no-save', '--json'], { input: 'token' }), 0).out) as { id: string; delete_token: string };
    expectExit(await user.run(['delete', json.id, '--token', json.delete_token]), 0);
  });

  it('a wrong key in the fragment: a clear error, nothing on stdout, no output file', async () => {
    const url = printedUrl(expectExit(await user.run([], { input: 'secret content' }), 0));
    const { base, id } = splitUrl(url);
    const wrong = `${base}/${id}#${randomBytes(32).toString('base64url')}`;
    const toFile = expectExit(await user.run(['get', wrong, '-o', 'wrong.out']), 1);
    expect(toFile.stderr.trim()).toBe('fpaste: decryption failed: wrong key (or the content was altered); nothing was written');
    expect(existsSync(join(user.work, 'wrong.out'))).toBe(false);
    expect(readdirSync(user.work).filter((name) => name.includes('wrong.out'))).toEqual([]);
    const toStdout = expectExit(await user.run(['get', wrong]), 1);
    expect(toStdout.stdout.length).toBe(0);
    const malformed = expectExit(await user.run(['get', `${base}/${id}#not-a-key`]), 1);
    expect(malformed.stderr).toContain('the key is malformed');
    // No key at all (and none remembered): refuses to print ciphertext.
    const fresh = new FpasteUser(server.url);
    try {
      const missing = expectExit(await fresh.run(['get', `${base}/${id}`]), 1);
      expect(missing.stderr).toContain('end-to-end encrypted and no key is known');
      const raw = expectExit(await fresh.run(['get', `${base}/${id}`, '--raw']), 0);
      expect(raw.stdout.subarray(0, 4).toString('latin1')).toBe('SBEE');
    } finally {
      fresh.dispose();
    }
    // The paste is intact after all that.
    expect(expectExit(await user.run(['get', url]), 0).out).toBe('secret content');
  });

  it('info shows the server and PoW state; info ID shows metadata', async () => {
    const info = expectExit(await user.run(['info']), 0);
    expect(info.out).toContain('proof of work:');
    expect(info.out).toContain('off');
    const json = JSON.parse(expectExit(await user.run(['info', '--json']), 0).out) as { pow: { enabled: boolean } };
    expect(json.pow.enabled).toBe(false);
    const url = printedUrl(expectExit(await user.run([], { input: 'meta' }), 0));
    expect(expectExit(await user.run(['info', url]), 0).out).toMatch(/type:\s+application\/octet-stream/);
  });

  it('empty input is refused before anything is sent', async () => {
    const result = expectExit(await user.run([], { input: '' }), 1);
    expect(result.stderr).toContain('empty');
  });
});

describe('fpaste upload, download and shorten', () => {
  it('upload/download: a plain share under a six-word key, saved under its own name', async () => {
    const data = randomBytes(50_000);
    writeFileSync(join(user.work, 'photo.raw'), data);
    const url = printedUrl(expectExit(await user.run(['upload', 'photo.raw']), 0));
    expect(url).toMatch(/\/download\/[a-z]+(-[a-z]+){5}$/);
    const phrase = url.split('/').pop() as string;
    const dir = join(user.work, 'dl');
    (await import('node:fs')).mkdirSync(dir);
    expectExit(await user.run(['download', phrase], { cwd: dir }), 0);
    expect(sha256(readFileSync(join(dir, 'photo.raw')))).toBe(sha256(data));
    // A second download never clobbers the first file.
    expectExit(await user.run(['download', url], { cwd: dir }), 0);
    expect(readdirSync(dir).sort()).toEqual(['photo (1).raw', 'photo.raw']);
    const toStdout = expectExit(await user.run(['download', phrase, '-o', '-']), 0);
    expect(toStdout.stdout.equals(data)).toBe(true);
    // Deleted by its download key: the id and delete token were remembered at upload.
    expectExit(await user.run(['delete', url]), 0);
    expect(expectExit(await user.run(['download', phrase, '-o', '-']), 1).stderr).toContain('not found');
  });

  it('upload --encrypt: the share URL carries #key; download decrypts and names the file', async () => {
    writeFileSync(join(user.work, 'secret.pdf'), 'pdf-ish secret');
    const url = printedUrl(expectExit(await user.run(['upload', '--encrypt', 'secret.pdf', '--burn']), 0));
    expect(url).toMatch(/\/download\/[a-z-]+#[A-Za-z0-9_-]{43}$/);
    const dir = join(user.work, 'dl2');
    (await import('node:fs')).mkdirSync(dir);
    expectExit(await user.run(['download', url], { cwd: dir }), 0);
    expect(readFileSync(join(dir, 'secret.pdf'), 'utf8')).toBe('pdf-ish secret');
    expect(expectExit(await user.run(['download', url], { cwd: dir }), 1).stderr).toContain('not found');
  });

  it('shorten: a short URL that redirects to the target', async () => {
    const result = expectExit(await user.run(['shorten', 'https://example.org/a/long/path?q=1']), 0);
    const short = printedUrl(result);
    expect(short).toMatch(/\/s\/[A-Za-z0-9]{8}$/);
    const response = await fetch(short, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.org/a/long/path?q=1');
    expect(expectExit(await user.run(['shorten', 'javascript:alert(1)']), 2).stderr).toContain('http');
  });

  it('files written by fpaste are private: the item store is 0600 in a 0700 directory', () => {
    const store = join(user.dataDir, 'items.jsonl');
    expect(statSync(store).mode & 0o777).toBe(0o600);
    expect(statSync(user.dataDir).mode & 0o777).toBe(0o700);
  });
});
