// Bearer secrets never reach the log: paste ids and diceware keys (capabilities in URLs), delete
// tokens, and secret-carrying headers, on success and failure paths alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import { expectError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/wait.js';

/** The access log line is written after the response is sent; wait until `minLines` request lines are there. */
async function settle(server: RunningServer, minLines: number): Promise<string> {
  await waitFor(() => requestLines(server.output()) >= minLines, `${minLines} access log lines`);
  return server.output();
}

function requestLines(output: string): number {
  return output.split('\n').filter((line) => line.includes('"msg":"request"')).length;
}

function expectAbsent(output: string, secrets: Record<string, string>): void {
  const leaked = Object.entries(secrets)
    .filter(([, value]) => output.includes(value))
    .map(([what]) => what);
  expect(leaked, 'secrets found in the log').toEqual([]);
}

function blobFiles(dataDir: string): string[] {
  const walk = (at: string): string[] => readdirSync(at, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(at, entry.name)) : [join(at, entry.name)]));
  return walk(join(dataDir, 'blobs'));
}

describe('at the default log level', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('creating, reading, deleting a paste and downloading a file share log no id, token or key', async () => {
    const paste = await createPaste(server.url, 'a paste whose id is a secret');
    const token = paste.delete_token as string;
    await (await fetch(paste.url)).arrayBuffer();
    await (await fetch(paste.raw)).arrayBuffer();
    await (await fetch(paste.raw, { method: 'HEAD' })).arrayBuffer();
    await (await fetch(paste.raw, { headers: { Range: 'bytes=0-3' } })).arrayBuffer();
    // Wrong token first, then the right one.
    await expectError(await fetch(paste.url, { method: 'DELETE', headers: { 'X-Delete-Token': `${token}x` } }), 403, 'FORBIDDEN');
    const deleted = await fetch(paste.url, { method: 'DELETE', headers: { 'X-Delete-Token': token } });
    expect(deleted.status).toBe(204);
    // Lookups of what is gone are failures that might be logged with detail.
    await expectError(await fetch(paste.raw), 404, 'NOT_FOUND');
    await expectError(await fetch(paste.url, { method: 'DELETE', headers: { 'X-Delete-Token': token } }), 404, 'NOT_FOUND');

    const file = await uploadFile(server.url, 'a shared file', 'shared.txt');
    const key = file.key as string;
    for (const path of [`/download/${key}`, `/status/${key}`, `/preview/${key}`]) await (await fetch(`${server.url}${path}`)).arrayBuffer();
    await (await fetch(file.download_url as string, { method: 'HEAD' })).arrayBuffer();
    await (await fetch(file.raw)).arrayBuffer();
    const unknownKey = key.split('-').reverse().join('-');
    await expectError(await fetch(`${server.url}/download/${unknownKey}`), 404, 'NOT_FOUND');
    const unknownId = randomBytes(16).toString('hex');
    await expectError(await fetch(`${server.url}/${unknownId}/raw`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${server.url}/${unknownId}/nonexistent`), 404, 'NOT_FOUND');

    const output = await settle(server, 17);
    expect(requestLines(output)).toBeGreaterThanOrEqual(17);
    expectAbsent(output, {
      'paste id': paste.id,
      'delete token': token,
      'file id': file.id,
      'diceware key': key,
      'unknown key': unknownKey,
      'unknown id': unknownId,
      'file delete token': file.delete_token as string,
    });
    // Nor any single word-pair of the key (a partial leak is a leak).
    const words = key.split('-');
    expect(output).not.toContain(`${words[0]}-${words[1]}`);
  });

  it('an integrity failure is logged without the id', async () => {
    const content = Buffer.concat([Buffer.alloc(16), randomBytes(200 * 1024)]);
    const before = new Set(blobFiles(server.dataDir));
    const paste = await createPaste(server.url, content, { 'Content-Type': 'application/octet-stream' });
    const added = blobFiles(server.dataDir).filter((path) => !before.has(path));
    expect(added.length).toBe(1);
    const blob = added[0] as string;
    // Flip bytes inside the first encrypted chunk.
    const fd = openSync(blob, 'r+');
    writeSync(fd, randomBytes(32), 0, 32, Math.min(1000, statSync(blob).size - 64));
    closeSync(fd);
    const baseline = requestLines(server.output());
    const response = await fetch(paste.raw);
    expect(response.status).toBe(500);
    await response.arrayBuffer();
    // The failure is logged at error level (an operator must see it), and it is the only error expected.
    const logged = await server.expectErrorLog(/"msg":"integrity check failed"/);
    expect(logged.level).toBe(50);
    const output = await settle(server, baseline + 1);
    expectAbsent(output, { 'paste id': paste.id, 'delete token': paste.delete_token as string });
  });
});

describe('at trace level', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('ids, keys and delete tokens are still not logged', async () => {
    const paste = await createPaste(server.url, 'traced paste');
    await (await fetch(paste.raw)).arrayBuffer();
    const deleted = await fetch(paste.url, { method: 'DELETE', headers: { 'X-Delete-Token': paste.delete_token as string } });
    expect(deleted.status).toBe(204);
    const file = await uploadFile(server.url, 'traced file', 'traced.txt');
    await (await fetch(file.download_url as string)).arrayBuffer();
    const output = await settle(server, 5);
    expectAbsent(output, { 'paste id': paste.id, 'delete token': paste.delete_token as string, 'file id': file.id, 'diceware key': file.key as string });
  });

  it('secret-carrying request headers are not logged, multipart uploads included', async () => {
    const secrets = {
      'X-Delete-Token': `dt-${randomBytes(12).toString('hex')}`,
      'X-PoW-Token': `pow-${randomBytes(12).toString('hex')}`,
      'X-PoW-Solution': `${100000 + Math.floor(Math.random() * 100000)}${randomBytes(4).readUInt32BE()}`,
      'X-Proxy-Secret': `proxy-${randomBytes(12).toString('hex')}`,
      Authorization: `Bearer auth-${randomBytes(12).toString('hex')}`,
      Cookie: `session=cookie-${randomBytes(12).toString('hex')}`,
    };
    const baseline = requestLines(server.output());
    await (await fetch(`${server.url}/`, { method: 'POST', body: 'raw with headers', headers: secrets })).arrayBuffer();
    const form = new FormData();
    form.append('file', new Blob(['multipart with headers']), 'm.txt');
    await (await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: secrets })).arrayBuffer();
    const json = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify({ content: 'json with headers' }), headers: { ...secrets, 'Content-Type': 'application/json' } });
    await json.arrayBuffer();
    const output = await settle(server, baseline + 3);
    const values = Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, name === 'Authorization' ? value.slice('Bearer '.length) : name === 'Cookie' ? value.slice('session='.length) : value]));
    expectAbsent(output, values);
  });
});
