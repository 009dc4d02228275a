// Empty content is 400 EMPTY however it arrives: raw (with or without Content-Length), chunked with no
// data, a multipart file part with no bytes, JSON {"content": ""}; nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { expectError, expectErrorParts } from '../helpers/contract.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { filePart, multipartBody, multipartType } from '../helpers/multipart.js';
import { send } from '../helpers/send.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  expect(blobFiles(server.dataDir)).toEqual([]);
  expect(tmpFiles(server.dataDir)).toEqual([]);
  await server.dispose();
});

describe('empty bodies', () => {
  it('raw: no body, Content-Length: 0, any Content-Type → 400 EMPTY', async () => {
    for (const path of ['/', '/upload']) {
      await expectError(await fetch(`${server.url}${path}`, { method: 'POST' }), 400, 'EMPTY');
      await expectError(await fetch(`${server.url}${path}`, { method: 'POST', body: '' }), 400, 'EMPTY');
      await expectError(await fetch(`${server.url}${path}`, { method: 'POST', body: new Uint8Array(0), headers: { 'Content-Type': 'application/octet-stream' } }), 400, 'EMPTY');
      await expectError(await fetch(`${server.url}${path}`, { method: 'POST', body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' } }), 400, 'EMPTY');
    }
  });

  it('raw chunked with no data (Transfer-Encoding: chunked, only the last chunk) → 400 EMPTY', async () => {
    const result = await send(server.url, '/', { chunks: [], headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' } });
    expectErrorParts(result.status, result.headers, result.body, 400, 'EMPTY');
  });

  it('multipart with an empty "file" part → 400 EMPTY (POST / and /upload)', async () => {
    for (const path of ['/', '/upload']) {
      const form = new FormData();
      form.append('file', new Blob([]), 'empty.txt');
      await expectError(await fetch(`${server.url}${path}`, { method: 'POST', body: form }), 400, 'EMPTY');
      const raw = multipartBody([filePart('', 'empty.bin')]);
      await expectError(await fetch(`${server.url}${path}`, { method: 'POST', body: raw, headers: { 'Content-Type': multipartType() } }), 400, 'EMPTY');
    }
  });

  it('JSON {"content": ""} → 400 EMPTY', async () => {
    for (const path of ['/', '/upload']) {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"content": ""}' });
      await expectError(response, 400, 'EMPTY');
    }
  });

  it('a zero-byte body declared as JSON is EMPTY, not a JSON syntax error', async () => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '' }), 400, 'EMPTY');
  });

  it('a zero-byte body declared as multipart is EMPTY', async () => {
    await expectError(await fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': multipartType() }, body: '' }), 400, 'EMPTY');
  });
});
