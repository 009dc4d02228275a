// Resumable uploads across instances (black box): two real server processes on one PostgreSQL schema
// and one Redis prefix take PATCHes of one upload in turn, survive the SIGKILL of the instance that
// was receiving, terminate and expire each other's uploads, and never both append to one upload.
// The database is read directly only to wait for rows and to check that nothing is left.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DATABASE, createTestSchema, testDatabaseUrl } from '../../helpers/postgres.js';
import type { TestSchema } from '../../helpers/postgres.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { createUpload, expectSameBytes, offsetOf, rawOf, sendRest, TUS, tusDelete, tusHead, tusPatch } from '../../helpers/tus.js';
import { waitFor } from '../../helpers/wait.js';

const databaseUrl = testDatabaseUrl();
const redisUrl = process.env['TEST_REDIS_URL'] || null;
const skip = !databaseUrl ? NO_DATABASE : !redisUrl ? 'TEST_REDIS_URL is not set (two instances need shared counters)' : null;

let schema: TestSchema;
let db: pg.Pool;
let env: Record<string, string>;
let a: RunningServer;
let b: RunningServer;
const extra: RunningServer[] = [];

async function rows(sql: string, values: unknown[] = []): Promise<number> {
  const { rows: found } = await db.query<{ n: string }>(sql, values);
  return Number(found[0]?.n ?? 0);
}
const segmentRows = (id: string) => rows('select count(*) as n from tus_segments where upload_id = $1', [id]);
const uploadRows = (id: string) => rows('select count(*) as n from tus_uploads where id = $1', [id]);
const idOf = (path: string) => path.split('/').pop() as string;

/** A PATCH whose body is sent in part and then held open; `response` settles when the server answers. */
function heldPatch(server: RunningServer, path: string, offset: number, total: number, first: Buffer): { response: Promise<IncomingMessage>; abort: () => void } {
  const req = request(new URL(path, server.url), { method: 'PATCH', agent: false, headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), 'content-length': String(total) } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (answer) => {
      answer.resume();
      resolve(answer);
    });
    req.on('error', reject);
  });
  req.write(first);
  return { response, abort: () => req.destroy() };
}

async function download(server: RunningServer, key: string): Promise<Buffer> {
  const response = await fetch(`${server.url}/download/${key}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe.skipIf(skip !== null)(`tus across two instances${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    schema = await createTestSchema(databaseUrl as string);
    db = new pg.Pool({ connectionString: schema.url, max: 2 });
    env = {
      SEALBIN_DATABASE_URL: schema.url,
      SEALBIN_MASTER_KEY: randomBytes(32).toString('hex'),
      SEALBIN_REDIS_URL: redisUrl as string,
      SEALBIN_REDIS_PREFIX: `sealbin-tus-${randomBytes(4).toString('hex')}:`,
    };
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  }, 90_000);

  afterAll(async () => {
    for (const server of [a, b, ...extra]) await server?.dispose();
    await db?.end();
    await schema?.drop();
  });

  it('PATCHes alternate between A and B; the share downloads byte-identical from both; no tus folder anywhere', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 12_345);
    const path = await createUpload(a.url, { 'upload-length': String(content.length), 'upload-metadata': `filename ${Buffer.from('across.bin').toString('base64')}` });
    const quarter = Math.ceil(content.length / 4);
    const servers = [a, b, a, b];
    let last = null;
    for (let i = 0; i < 4; i++) {
      const at = i * quarter;
      const server = servers[i] as RunningServer;
      // Both instances agree on the offset before each PATCH.
      expect(await offsetOf(a.url, path)).toBe(at);
      expect(await offsetOf(b.url, path)).toBe(at);
      last = await tusPatch(server.url, path, at, content.subarray(at, Math.min(content.length, at + quarter)));
      expect(last.status, last.text).toBe(204);
    }
    const key = last?.header('x-sealbin-key') as string;
    expect(key).toMatch(/^[a-z]+(-[a-z]+){5}$/);
    expectSameBytes(await download(a, key), content);
    expectSameBytes(await download(b, key), content);
    // Completed: the partial is gone from the database. B, which finished it, repeats its final
    // answer on HEAD (that receipt lives in its memory only); A knows no such upload.
    expect(await uploadRows(idOf(path))).toBe(0);
    expect(await segmentRows(idOf(path))).toBe(0);
    const receipt = await tusHead(b.url, path);
    expect(receipt.status).toBe(200);
    for (const name of ['x-sealbin-id', 'x-sealbin-key', 'x-sealbin-delete-token']) expect(receipt.header(name), name).toBe(last?.header(name));
    expect((await tusHead(a.url, path)).status).toBe(404);
    for (const server of [a, b]) expect(existsSync(join(server.dataDir, 'tus'))).toBe(false);
  });

  it('A is killed (SIGKILL) mid-PATCH; B reports what A committed and the upload completes on B byte-identical', async () => {
    // Its own application_name lets the test see when its backends are gone after the kill.
    const victimName = `sealbin-victim-${randomBytes(4).toString('hex')}`;
    const victimUrl = new URL(schema.url);
    victimUrl.searchParams.set('application_name', victimName);
    const victim = await startServer({ env: { ...env, SEALBIN_DATABASE_URL: victimUrl.toString() } });
    extra.push(victim);
    const content = randomBytes(4 * 1024 * 1024);
    const path = await createUpload(victim.url, { 'upload-length': String(content.length) });
    const held = heldPatch(victim, path, 0, content.length, content.subarray(0, 3 * 1024 * 1024));
    held.response.catch(() => undefined);
    // At least one committed batch of segments, then the crash with the PATCH still open.
    await waitFor(async () => (await segmentRows(idOf(path))) > 0, 'segments of the PATCH committed on the victim');
    const victimBackends = () => rows('select count(*) as n from pg_stat_activity where application_name = $1', [victimName]);
    expect(await victimBackends(), 'the victim connects under its own application_name').toBeGreaterThan(0);
    await victim.kill();
    held.abort();
    // A batch already in the victim's socket can still commit after the kill; until PostgreSQL has
    // ended the victim's backends, B could read an offset that moves under it (409 on its PATCH).
    await waitFor(async () => (await victimBackends()) === 0, "the victim's PostgreSQL backends ended");
    // The victim's lock died with its connection: B gets it at once and walks the committed rows.
    const offset = await offsetOf(b.url, path);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(3 * 1024 * 1024);
    const last = await sendRest(b.url, path, content, offset, 1024 * 1024);
    expectSameBytes(await rawOf(b.url, last), content);
    expectSameBytes(await download(a, last.header('x-sealbin-key') as string), content);
  });

  it('termination on B of an upload made and partly sent on A: gone everywhere, its rows deleted', async () => {
    const content = randomBytes(300_000);
    const path = await createUpload(a.url, { 'upload-length': String(content.length) });
    expect((await tusPatch(a.url, path, 0, content.subarray(0, 200_000))).status).toBe(204);
    expect(await segmentRows(idOf(path))).toBeGreaterThan(0);
    expect((await tusDelete(b.url, path)).status).toBe(204);
    expect((await tusHead(a.url, path)).status).toBe(404);
    expect((await tusPatch(a.url, path, 200_000, content.subarray(200_000))).status).toBe(404);
    expect(await uploadRows(idOf(path))).toBe(0);
    expect(await segmentRows(idOf(path))).toBe(0);
  });

  it('a PATCH in progress on A is stopped by a PATCH on B: A keeps what it had, B learns the offset (409), nothing doubled', async () => {
    const content = randomBytes(3 * 1024 * 1024);
    const path = await createUpload(a.url, { 'upload-length': String(content.length) });
    const held = heldPatch(a, path, 0, content.length, content.subarray(0, 2 * 1024 * 1024));
    await waitFor(async () => (await segmentRows(idOf(path))) > 0, 'segments of the PATCH on A committed');
    const second = await tusPatch(b.url, path, 0, content.subarray(0, 1024 * 1024));
    // Not 423: A heard the request to stop, sealed what had arrived and let go.
    expect(second.status, second.text).toBe(409);
    const kept = Number(second.json()['offset']);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect((await held.response).statusCode).toBe(400);
    held.abort();
    expect(await offsetOf(a.url, path)).toBe(kept);
    const last = await sendRest(b.url, path, content, kept, 1024 * 1024);
    expectSameBytes(await rawOf(a.url, last), content);
  });

  it('two whole PATCHes at offset 0 on A and B at once: never both appended, the stored prefix is one of them', async () => {
    const length = 2 * 1024 * 1024;
    const bodies = [Buffer.alloc(length, 0x41), Buffer.alloc(length, 0x42)];
    const path = await createUpload(a.url, { 'upload-length': String(length) });
    const answers = await Promise.all([tusPatch(a.url, path, 0, bodies[0] as Buffer), tusPatch(b.url, path, 0, bodies[1] as Buffer)]);
    const statuses = answers.map((answer) => answer.status);
    // The winner is 204; a loser is 409 (it came second) or 400 (it was stopped mid-body by the other).
    expect(statuses.filter((status) => status === 204).length, JSON.stringify(statuses)).toBeLessThanOrEqual(1);
    for (const status of statuses) expect([204, 400, 409]).toContain(status);
    const completed = answers.find((answer) => answer.status === 204 && answer.header('upload-offset') === String(length));
    let stored: Buffer;
    let offset = length;
    if (completed) {
      stored = await rawOf(a.url, completed);
    } else {
      offset = await offsetOf(b.url, path);
      // Finished with A's bytes: whatever prefix was kept must be one body's, byte for byte.
      const last = await sendRest(a.url, path, bodies[0] as Buffer, offset, length);
      stored = await rawOf(b.url, last);
    }
    expect(stored.length).toBe(length);
    const prefix = stored.subarray(0, offset);
    const first = prefix[0] as number;
    expect([0x41, 0x42]).toContain(first);
    expect(prefix.every((byte) => byte === first), 'the stored prefix mixes the two bodies').toBe(true);
    expect(stored.subarray(offset).every((byte) => byte === 0x41)).toBe(true);
  });

  it('an expired partial is shredded by the sweeps of both instances (no double-work errors)', async () => {
    const short = { ...env, SEALBIN_TUS_EXPIRY: '6', SEALBIN_CLEANUP_INTERVAL: '1' };
    const [c, d] = await Promise.all([startServer({ env: short }), startServer({ env: short })]);
    extra.push(c, d);
    const content = randomBytes(200_000);
    const path = await createUpload(c.url, { 'upload-length': String(content.length) });
    expect((await tusPatch(d.url, path, 0, content.subarray(0, 100_000))).status).toBe(204);
    expect(await segmentRows(idOf(path))).toBeGreaterThan(0);
    await waitFor(async () => (await uploadRows(idOf(path))) === 0, 'the expired upload swept', { timeoutMs: 60_000 });
    expect(await segmentRows(idOf(path))).toBe(0);
    expect((await tusHead(c.url, path)).status).toBe(404);
    expect((await tusHead(d.url, path)).status).toBe(404);
    // Exactly one sweep counted it; the other found it gone (and neither logged an error: the helpers check).
    const swept = () => [c, d].flatMap((server) => server.logLines()).filter((line) => (line.msg === 'cleanup' || line.msg === 'startup cleanup') && Number(line['expired']) > 0).length;
    await waitFor(() => swept() > 0, 'the cleanup log line of the sweep that took it');
    expect(swept()).toBe(1);
  }, 90_000);
});
