// JSON create bodies ({"content": "..."}): malformed, non-UTF-8, prototype-poisoning and mistyped
// input is a 400 in the contract's error shape, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { expectError } from '../helpers/contract.js';

let server: RunningServer;
beforeAll(async () => {
  // Registration without a proof of work, so its body parser is what answers (the gate comes first otherwise).
  server = await startServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '0' } });
});
afterAll(async () => {
  await server.dispose();
});

function postJson(body: string | Buffer, path = '/', type = 'application/json'): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body });
}

describe('JSON create bodies', () => {
  it('accepts a well-formed {"content": "..."} (baseline)', async () => {
    const response = await postJson(JSON.stringify({ content: 'grüße aus json' }));
    expect(response.status).toBe(201);
    const created = (await response.json()) as { raw: string; size: number };
    expect(await (await fetch(created.raw)).text()).toBe('grüße aus json');
  });

  it('refuses invalid UTF-8 bytes with 400 INVALID_JSON (no lossy U+FFFD storage)', async () => {
    const bodies = [
      Buffer.concat([Buffer.from('{"content": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"content": "caf'), Buffer.from([0xc3]), Buffer.from('"}')]), // truncated sequence
      Buffer.concat([Buffer.from('{"content": "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // UTF-16 surrogate
      Buffer.concat([Buffer.from('{"content": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), // overlong "/"
    ];
    for (const body of bodies) await expectError(await postJson(body), 400, 'INVALID_JSON');
  });

  it('refuses __proto__ and constructor.prototype keys with 400 INVALID_JSON', async () => {
    const bodies = [
      '{"__proto__": {"polluted": true}, "content": "x"}',
      '{"content": "x", "__proto__": {"isAdmin": true}}',
      '{"constructor": {"prototype": {"polluted": true}}, "content": "x"}',
      '{"content": "x", "nested": {"__proto__": {"polluted": true}}}',
      '{"content": "x", "a": [{"constructor": {"prototype": {"x": 1}}}]}',
    ];
    for (const body of bodies) await expectError(await postJson(body), 400, 'INVALID_JSON');
    // The server is unharmed: a normal create and read still work, and no pollution leaked into output.
    const ok = await postJson(JSON.stringify({ content: 'after poisoning attempts' }));
    expect(ok.status).toBe(201);
    expect(JSON.stringify(await ok.json())).not.toContain('polluted');
  });

  it('refuses syntax errors with 400 INVALID_JSON', async () => {
    const bodies = ['{"content": "x"', '{content: "x"}', "{'content': 'x'}", '{"content": "x",}', '{"content": "x"} trailing', 'nul', '{"content": "\\u12"}', '[', '{"content": "a\u0001b"}'];
    for (const body of bodies) await expectError(await postJson(body), 400, 'INVALID_JSON');
  });

  it('refuses a content that is not a string, or a body that is not an object, with 400', async () => {
    const bodies = ['{"content": 42}', '{"content": null}', '{"content": true}', '{"content": ["a"]}', '{"content": {"a": 1}}', '{}', '{"text": "x"}', '"just a string"', '[{"content": "x"}]', '42', 'null'];
    for (const body of bodies) await expectError(await postJson(body), 400, 'INVALID_JSON');
  });

  it('applies the same rules on /upload and with a charset parameter', async () => {
    await expectError(await postJson('{"__proto__": {"x": 1}, "content": "x"}', '/upload'), 400, 'INVALID_JSON');
    await expectError(await postJson('{"content": 1}', '/', 'application/json; charset=utf-8'), 400, 'INVALID_JSON');
    await expectError(await postJson('{"content": "x"', '/', 'Application/JSON'), 400, 'INVALID_JSON');
  });
});

describe('JSON bodies of the other endpoints (/s, /register, /pki/ca, /pki/issue)', () => {
  it.each(['/s', '/register', '/pki/ca', '/pki/issue'])('%s: malformed JSON and prototype-poisoning keys are 400 INVALID_JSON', async (path) => {
    for (const body of ['{"url":', '{"url": "https://example.org/",}', '{"__proto__": {"admin": true}, "common_name": "x"}', '{"constructor": {"prototype": {"admin": true}}}']) {
      await expectError(await postJson(body, path), 400, 'INVALID_JSON');
    }
    // Nothing was created on the way: no CA, no certificate.
    const status = (await (await fetch(`${server.url}/pki/status`)).json()) as { ca_exists: boolean; issued: number };
    expect(status).toMatchObject({ ca_exists: false, issued: 0 });
  });
});
