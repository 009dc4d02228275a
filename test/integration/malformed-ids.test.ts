// Ids and diceware keys of the wrong shape: 404 NOT_FOUND in the contract's JSON shape on every
// endpoint that takes one (never a 400, 401, 403 or 500, and never another item).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import type { Created } from '../helpers/http.js';
import { uploadFile } from '../helpers/http.js';
import { expectError, expectSecurityHeaders } from '../helpers/contract.js';

let server: RunningServer;
let item: Created;
let words: string[];

beforeAll(async () => {
  server = await startServer();
  item = await uploadFile(server.url, 'the one real item', 'real.txt');
  words = (item.key as string).split('-');
});
afterAll(async () => {
  await server.dispose();
});

function badIds(): string[] {
  const id = item.id;
  return [
    id.slice(0, 31), // too short
    id.slice(0, 8),
    `${id}0`, // 33 chars
    `${id}${id}`,
    id.toUpperCase(), // uppercase hex of a real id
    `${id.slice(0, 31)}G`, // non-hex
    'z'.repeat(32),
    `${id.slice(0, 16)}-${id.slice(16, 31)}`,
    ` ${id.slice(1)}`.replace(' ', '%20'),
    `${id}%00`,
    `${id.slice(0, 31)}%C3%A9`,
    item.key as string, // a diceware key is not a paste id
    'x'.repeat(190),
  ];
}

function badKeys(): string[] {
  const key = item.key as string;
  return [
    words.slice(0, 5).join('-'), // 5 words
    [...words, words[0]].join('-'), // 7 words
    key.toUpperCase(),
    [...words.slice(0, 5), 'notawordxyz'].join('-'), // a word not in the list
    ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff'].join('-'),
    words.join('_'),
    words.join(' ').replace(/ /g, '%20'),
    `${key}-`,
    `-${key}`,
    words.join('--'),
    item.id, // a hex id is not a download key
    'x'.repeat(190),
  ];
}

async function expectNotFound(url: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(url, init);
  if (init.method === 'HEAD') {
    expect(response.status, url).toBe(404);
    expectSecurityHeaders(response.headers);
    return;
  }
  await expectError(response, 404, 'NOT_FOUND');
}

describe('malformed paste ids', () => {
  it('GET /{id} and GET /{id}/raw → 404 NOT_FOUND', async () => {
    for (const id of badIds()) {
      await expectNotFound(`${server.url}/${id}`);
      await expectNotFound(`${server.url}/${id}/raw`);
    }
  });

  it('HEAD /{id} and HEAD /{id}/raw → 404', async () => {
    for (const id of badIds()) {
      await expectNotFound(`${server.url}/${id}`, { method: 'HEAD' });
      await expectNotFound(`${server.url}/${id}/raw`, { method: 'HEAD' });
    }
  });

  it('DELETE /{id} → 404 NOT_FOUND with or without a delete token (and deletes nothing)', async () => {
    for (const id of badIds()) {
      await expectNotFound(`${server.url}/${id}`, { method: 'DELETE' });
      await expectNotFound(`${server.url}/${id}`, { method: 'DELETE', headers: { 'X-Delete-Token': item.delete_token as string } });
    }
    expect((await fetch(item.raw)).status).toBe(200);
  });

  it('a well-formed id that does not exist → the same 404 NOT_FOUND', async () => {
    const unknown = item.id.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await expectNotFound(`${server.url}/${unknown}`);
    await expectNotFound(`${server.url}/${unknown}/raw`);
    await expectNotFound(`${server.url}/${unknown}`, { method: 'DELETE', headers: { 'X-Delete-Token': item.delete_token as string } });
  });
});

describe('malformed diceware keys', () => {
  it('GET /download, /preview, /status with a wrong-shaped key → 404 NOT_FOUND', async () => {
    for (const key of badKeys()) {
      for (const route of ['download', 'preview', 'status']) await expectNotFound(`${server.url}/${route}/${key}`);
      await expectNotFound(`${server.url}/download/${key}`, { method: 'HEAD' });
    }
  });

  it('six real words in another order → 404 NOT_FOUND', async () => {
    const shuffled = [...words.slice(1), words[0]].join('-');
    for (const route of ['download', 'preview', 'status']) await expectNotFound(`${server.url}/${route}/${shuffled}`);
  });

  it('the real key still works afterwards (baseline)', async () => {
    const response = await fetch(`${server.url}/status/${item.key as string}`);
    expect(response.status).toBe(200);
  });
});
