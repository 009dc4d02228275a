// Malformed multipart bodies are 400 INVALID_MULTIPART (never a 500) and store nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';
import { expectError, expectErrorParts } from '../helpers/contract.js';
import { blobFiles, tmpFiles } from '../helpers/data-dir.js';
import { BOUNDARY, filePart, multipartBody, multipartType } from '../helpers/multipart.js';
import { send } from '../helpers/send.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

const PATHS = ['/', '/upload'];

function post(path: string, body: Buffer | string, type: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': type } });
}

function expectNothingStored(): void {
  expect(blobFiles(server.dataDir)).toEqual([]);
  expect(tmpFiles(server.dataDir)).toEqual([]);
}

describe('malformed multipart', () => {
  it('a well-formed multipart "file" part is accepted (baseline)', async () => {
    const response = await post('/upload', multipartBody([filePart('hello multipart', 'hello.txt')]), multipartType());
    expect(response.status).toBe(201);
    const created = (await response.json()) as { raw: string; filename: string };
    expect(created.filename).toBe('hello.txt');
    expect(await (await fetch(created.raw)).text()).toBe('hello multipart');
  });

  it('a boundary that does not match the body → 400 INVALID_MULTIPART', async () => {
    const body = multipartBody([filePart('content')], 'the-real-boundary');
    for (const path of PATHS) await expectError(await post(path, body, multipartType('another-boundary')), 400, 'INVALID_MULTIPART');
  });

  it('a missing or empty boundary parameter → 400 INVALID_MULTIPART', async () => {
    const body = multipartBody([filePart('content')]);
    for (const path of PATHS) {
      await expectError(await post(path, body, 'multipart/form-data'), 400, 'INVALID_MULTIPART');
      await expectError(await post(path, body, 'multipart/form-data; boundary='), 400, 'INVALID_MULTIPART');
    }
  });

  it('a body that is not multipart at all → 400 INVALID_MULTIPART', async () => {
    for (const path of PATHS) await expectError(await post(path, 'just some text, no parts', multipartType()), 400, 'INVALID_MULTIPART');
  });

  it('a truncated body (ends inside the file part, no closing boundary) → 400 INVALID_MULTIPART', async () => {
    const whole = multipartBody([filePart('x'.repeat(4000), 'cut.txt')]);
    const truncated = whole.subarray(0, whole.length - 1000);
    for (const path of PATHS) await expectError(await post(path, truncated, multipartType()), 400, 'INVALID_MULTIPART');
    expectNothingStored();
  });

  it('a truncated body larger than the inline limit (spilled to disk) → 400 and no blob left', async () => {
    const whole = multipartBody([filePart(Buffer.alloc(300 * 1024, 0x78), 'cut.bin')]);
    const truncated = whole.subarray(0, 200 * 1024);
    const result = await send(server.url, '/upload', { body: truncated, headers: { 'Content-Type': multipartType() } });
    expectErrorParts(result.status, result.headers, result.body, 400, 'INVALID_MULTIPART');
    expectNothingStored();
  });

  it('a body cut right after the part headers → 400 INVALID_MULTIPART', async () => {
    const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n`);
    for (const path of PATHS) await expectError(await post(path, body, multipartType()), 400, 'INVALID_MULTIPART');
    const headersCut = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-da`);
    for (const path of PATHS) await expectError(await post(path, headersCut, multipartType()), 400, 'INVALID_MULTIPART');
  });

  it('no "file" field at all (only text fields, or no parts) → 400 INVALID_MULTIPART', async () => {
    const fieldsOnly = multipartBody([
      { disposition: 'form-data; name="content"', content: 'text sent as a field' },
      { disposition: 'form-data; name="file"', content: 'a field called file, but not a file part' },
    ]);
    const noParts = Buffer.from(`--${BOUNDARY}--\r\n`);
    for (const path of PATHS) {
      await expectError(await post(path, fieldsOnly, multipartType()), 400, 'INVALID_MULTIPART');
      await expectError(await post(path, noParts, multipartType()), 400, 'INVALID_MULTIPART');
    }
    const form = new FormData();
    form.append('content', 'hello');
    await expectError(await fetch(`${server.url}/`, { method: 'POST', body: form }), 400, 'INVALID_MULTIPART');
  });

  it('a file under another field name → 400 INVALID_MULTIPART', async () => {
    for (const name of ['upload', 'files', 'File', 'file[]', '']) {
      const body = multipartBody([filePart('content under the wrong name', 'a.txt', name)]);
      for (const path of PATHS) await expectError(await post(path, body, multipartType()), 400, 'INVALID_MULTIPART');
    }
    const form = new FormData();
    form.append('attachment', new Blob(['wrong field']), 'a.txt');
    await expectError(await fetch(`${server.url}/upload`, { method: 'POST', body: form }), 400, 'INVALID_MULTIPART');
  });

  it('a part without Content-Disposition, or a non form-data disposition → 400 INVALID_MULTIPART', async () => {
    const noDisposition = Buffer.from(`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${BOUNDARY}--\r\n`);
    const attachment = multipartBody([{ disposition: 'attachment; name="file"; filename="a.txt"', content: 'hello' }]);
    for (const path of PATHS) {
      await expectError(await post(path, noDisposition, multipartType()), 400, 'INVALID_MULTIPART');
      await expectError(await post(path, attachment, multipartType()), 400, 'INVALID_MULTIPART');
    }
  });

  it('a file part named after a prototype property (__proto__, constructor) → 400 INVALID_MULTIPART', async () => {
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const body = multipartBody([filePart('x', 'a.txt', name)]);
      await expectError(await post('/', body, multipartType()), 400, 'INVALID_MULTIPART');
    }
  });

  it('too many parts or files before the file → 400 INVALID_MULTIPART', async () => {
    const fields = Array.from({ length: 20 }, (_, index) => ({ disposition: `form-data; name="f${index}"`, content: 'v' }));
    await expectError(await post('/', multipartBody([...fields, filePart('x')]), multipartType()), 400, 'INVALID_MULTIPART');
    const files = Array.from({ length: 3 }, (_, index) => filePart('x', `a${index}.txt`, `other${index}`));
    await expectError(await post('/', multipartBody([...files, filePart('x')]), multipartType()), 400, 'INVALID_MULTIPART');
  });

  it('two "file" parts (or a second file part of any name after it) → 400 INVALID_MULTIPART, nothing stored', async () => {
    const shapes = [
      [filePart('first file', 'one.txt'), filePart('second file', 'two.txt')],
      [filePart('first file', 'one.txt'), filePart('another file', 'two.txt', 'other')],
      // The first one spills to disk before the second arrives.
      [filePart(Buffer.alloc(300 * 1024, 0x61), 'big.txt'), filePart('second file', 'two.txt')],
      [filePart('first file', 'one.txt'), { disposition: 'form-data; name="note"', content: 'a field' }, filePart('second file', 'two.txt')],
    ];
    for (const parts of shapes) {
      for (const path of PATHS) {
        const body = await expectError(await post(path, multipartBody(parts), multipartType()), 400, 'INVALID_MULTIPART');
        expect(body.message).toMatch(/more than one file part/);
      }
    }
    expectNothingStored();
  });

  it('one "file" part followed by text fields is still accepted (fields are ignored)', async () => {
    const body = multipartBody([filePart('the file', 'one.txt'), { disposition: 'form-data; name="note"', content: 'a field' }]);
    const response = await post('/upload', body, multipartType());
    expect(response.status).toBe(201);
    const created = (await response.json()) as { raw: string };
    expect(await (await fetch(created.raw)).text()).toBe('the file');
  });

  it('leaves nothing stored and the server working', async () => {
    expectNothingStored();
    const created = await createPaste(server.url, 'fine afterwards');
    expect(await (await fetch(created.raw)).text()).toBe('fine afterwards');
  });
});
