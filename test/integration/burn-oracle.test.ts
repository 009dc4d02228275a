// Issue 11 (High): nobody may learn a burn-after-read item's content without spending its one read.
// Two attacks from the black-box run: reading a burn share's text for free through /preview, and
// recovering a 4-digit burn paste offline by hashing 0000-9999 against every digest a non-reader can
// see (metadata, status, HEAD, the 0-0 probe) and against the bytes of the SQLite database files.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import { sha256 } from '../helpers/assertions.js';

const BURN = { 'X-Burn-After-Read': '1' };

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

/** Every spelling of a SHA-256 an attacker would test a candidate against. */
function spellings(candidate: string): string[] {
  const digest = createHash('sha256').update(candidate).digest();
  return [digest.toString('hex'), digest.toString('hex').toUpperCase(), digest.toString('base64'), digest.toString('base64url')];
}

/** The 4-digit PINs that the attacker tries, and which of them match something in `seen`. */
function pinsMatching(seen: string): string[] {
  const found: string[] = [];
  for (let n = 0; n <= 9999; n++) {
    const pin = String(n).padStart(4, '0');
    if (spellings(pin).some((spelling) => seen.includes(spelling))) found.push(pin);
  }
  return found;
}

/** Status line, headers and body of a response, as one text to search. */
async function transcript(response: Response, withBody = true): Promise<string> {
  const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${response.status}\n${headers}\n${withBody ? await response.text() : ''}`;
}

describe('burn-after-read previews (issue 11: /preview read a burn share three times)', () => {
  it('a burn share previews as metadata only, says why, never counts a download and is still readable once', async () => {
    const secret = 'the launch code is 0451, tell no one';
    const share = await uploadFile(server.url, secret, 'secret.txt', BURN);
    const key = share.key as string;
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.url}/preview/${key}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toContain('0451');
      const preview = JSON.parse(text) as Record<string, unknown>;
      expect(preview).toMatchObject({ text: null, text_withheld: 'burn_after_read', burn_after_read: true, downloads: 0, size: Buffer.byteLength(secret) });
    }
    const status = (await (await fetch(`${server.url}/status/${key}`)).json()) as Record<string, unknown>;
    expect(status['downloads']).toBe(0);
    const download = await fetch(`${server.url}/download/${key}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(secret);
    expect((await fetch(`${server.url}/preview/${key}`)).status).toBe(404);
  });

  it('a share that is not burn-after-read still previews its text', async () => {
    const share = await uploadFile(server.url, 'plain shared text', 'plain.txt');
    const preview = (await (await fetch(`${server.url}/preview/${share.key as string}`)).json()) as Record<string, unknown>;
    expect(preview['text']).toBe('plain shared text');
    expect(preview).not.toHaveProperty('text_withheld');
  });
});

describe('the plaintext SHA-256 oracle (issue 11: a burn paste holding 4711 was recovered by hashing 0000-9999)', () => {
  it('nothing a non-reader can see about a burn paste or burn share matches the hash of any 4-digit candidate', async () => {
    const paste = await createPaste(server.url, '4711', BURN);
    const share = await uploadFile(server.url, '4712', 'pin.txt', BURN);
    const shareKey = share.key as string;
    const seen: string[] = [];
    for (const url of [paste.url, paste.raw, `${server.url}/download/${shareKey}`]) {
      seen.push(await transcript(await fetch(url, { method: 'HEAD' })));
      // The 0-0 probe never burns; its one byte of content is the probe's documented answer, its headers must not carry the digest.
      seen.push(await transcript(await fetch(url === paste.url ? paste.raw : url, { headers: { Range: 'bytes=0-0' } }), false));
    }
    seen.push(await transcript(await fetch(paste.url)));
    seen.push(await transcript(await fetch(`${server.url}/status/${shareKey}`)));
    seen.push(await transcript(await fetch(`${server.url}/preview/${shareKey}`)));
    expect(pinsMatching(seen.join('\n'))).toEqual([]);

    const meta = (await (await fetch(paste.url)).json()) as Record<string, unknown>;
    expect(meta['sha256']).toBeNull();
    // The one reader still gets the digest with the content, which is what clients verify.
    const read = await fetch(paste.raw);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-content-sha256')).toBe(sha256('4711'));
    expect(await read.text()).toBe('4711');
    const download = await fetch(`${server.url}/download/${shareKey}`);
    expect(download.headers.get('x-content-sha256')).toBe(sha256('4712'));
    expect(await download.text()).toBe('4712');
  });

  it('the database files hold no bare SHA-256 of a stored paste, burn or not', async () => {
    const burn = await createPaste(server.url, '4713', BURN);
    const kept = await createPaste(server.url, '4714');
    expect(kept.sha256).toBe(sha256('4714'));
    const files = ['sealbin.db', 'sealbin.db-wal'].map((name) => join(server.dataDir, name)).filter((file) => existsSync(file));
    // latin1 keeps every byte as one character, so both the hex text and the raw 32 bytes are found.
    const bytes = files.map((file) => readFileSync(file).toString('latin1')).join('\n');
    const raw = (pin: string) => createHash('sha256').update(pin).digest().toString('latin1');
    const found = pinsMatching(bytes);
    for (let n = 0; n <= 9999; n++) if (bytes.includes(raw(String(n).padStart(4, '0')))) found.push(String(n));
    expect(found).toEqual([]);
    // Both items still read back through the integrity check against the sealed digest.
    expect(await (await fetch(burn.raw)).text()).toBe('4713');
    expect(await (await fetch(kept.raw)).text()).toBe('4714');
  });
});

describe('databases from before sealed digests', () => {
  it('plain digests are sealed at start, and the items still read back verified', async () => {
    const old = await startServer();
    const paste = await createPaste(old.url, 'written by an older version');
    await old.stop();
    const conn = new BetterSqlite3(join(old.dataDir, 'sealbin.db'));
    // What an older version wrote: the bare SHA-256.
    conn.prepare('update items set sha256 = ? where id = ?').run(sha256('written by an older version'), paste.id);
    conn.close();
    const upgraded = await startServer({ dataDir: old.dataDir });
    try {
      await upgraded.waitForLog((line) => line.msg === 'sealed the plain content digests of an older database' && line['sealed'] === 1, 'the conversion log line');
      const check = new BetterSqlite3(join(old.dataDir, 'sealbin.db'), { readonly: true });
      const row = check.prepare('select sha256 from items where id = ?').get(paste.id) as { sha256: string };
      check.close();
      expect(row.sha256).not.toContain(sha256('written by an older version'));
      expect(row.sha256).toMatch(/^sd1:/);
      const read = await fetch(`${upgraded.url}/${paste.id}/raw`);
      expect(read.headers.get('x-content-sha256')).toBe(sha256('written by an older version'));
      expect(await read.text()).toBe('written by an older version');
    } finally {
      await upgraded.dispose();
    }
  });
});
