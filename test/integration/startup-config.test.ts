// Starting the server: bad configuration (unknown SEALBIN_* name, bad value, unusable data dir) is a
// non-zero exit with exactly one line on stderr naming the problem, never a stack trace; a fresh data
// dir is created 0700 with a 0600 master key file; a good start logs one "listening on" line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExpectingExit, startServer } from '../helpers/server.js';
import { createPaste } from '../helpers/http.js';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'sealbin-startup-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let counter = 0;
function freshDir(): string {
  counter += 1;
  return join(scratch, `data-${counter}`);
}

/** Runs the server with `env`, expecting a refusal: non-zero exit and one plain line on stderr. */
async function expectRefusal(env: Record<string, string>, mentions: Array<string | RegExp>): Promise<string> {
  // Generous: six of these start at once, and a loaded 2-core machine can take many seconds per start.
  const result = await runExpectingExit({ SEALBIN_DATA_DIR: freshDir(), ...env }, 60_000);
  const context = `exit ${String(result.code)}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.code, context).not.toBeNull(); // not killed by the timeout: it exited by itself
  expect(result.code, context).not.toBe(0);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, context).toHaveLength(1);
  const line = lines[0] as string;
  for (const needle of mentions) {
    if (typeof needle === 'string') expect(line, context).toContain(needle);
    else expect(line, context).toMatch(needle);
  }
  // No stack trace anywhere, on either stream.
  for (const text of [result.stderr, result.stdout]) {
    expect(text, context).not.toMatch(/^\s+at /m);
    expect(text, context).not.toMatch(/node:internal|\.js:\d+:\d+|\.ts:\d+:\d+/);
  }
  return line;
}

describe.concurrent('refused configuration', () => {
  it('an unknown SEALBIN_* name', async () => {
    await expectRefusal({ SEALBIN_FOO: '1' }, ['SEALBIN_FOO']);
    // A typo of a real name must not silently fall back to the default.
    await expectRefusal({ SEALBIN_MAX_SZIE: '1MiB' }, ['SEALBIN_MAX_SZIE']);
  });

  it.each<[string, string]>([
    ['SEALBIN_PORT', 'abc'],
    ['SEALBIN_MAX_SIZE', '-1'],
    ['SEALBIN_LOG_LEVEL', 'loud'],
    ['SEALBIN_MASTER_KEY', 'too-short'],
  ])('a bad value: %s=%j', async (name, value) => {
    await expectRefusal({ [name]: value }, [name]);
  });

  it('SEALBIN_DEFAULT_EXPIRY greater than SEALBIN_MAX_EXPIRY', async () => {
    await expectRefusal({ SEALBIN_DEFAULT_EXPIRY: '7200', SEALBIN_MAX_EXPIRY: '3600' }, [/SEALBIN_(DEFAULT|MAX)_EXPIRY/]);
  });

  it('SEALBIN_DATABASE_URL without SEALBIN_REDIS_URL (several instances would each keep their own limits)', async () => {
    await expectRefusal({ SEALBIN_DATABASE_URL: 'postgres://db.invalid/sealbin' }, ['SEALBIN_REDIS_URL', 'SEALBIN_SINGLE_INSTANCE']);
  });

});

describe.concurrent('unusable data directory', () => {
  it('a path under a regular file (cannot be created)', async () => {
    const file = join(scratch, 'a-regular-file');
    writeFileSync(file, 'not a directory');
    const dir = join(file, 'data');
    await expectRefusal({ SEALBIN_DATA_DIR: dir }, [dir]);
  });

  it('the data dir path is itself a regular file', async () => {
    const file = join(scratch, 'another-regular-file');
    writeFileSync(file, 'not a directory');
    await expectRefusal({ SEALBIN_DATA_DIR: file }, [file]);
  });

  it('a master key file readable by group or others', async () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'master.key'), `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    chmodSync(join(dir, 'master.key'), 0o644);
    await expectRefusal({ SEALBIN_DATA_DIR: dir }, ['master.key']);
  });

});

describe('a good start', () => {
  it('creates a missing (nested) data dir with mode 0700 and the master key file with 0600', async () => {
    const dir = join(freshDir(), 'nested', 'data');
    const server = await startServer({ dataDir: dir });
    try {
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
      const listening = server.output().split('\n').filter((line) => /listening on/.test(line));
      expect(listening).toHaveLength(1);
      expect(listening[0]).toContain(server.url);
      expect(server.output()).not.toMatch(/^\s+at /m);
      await createPaste(server.url, 'works');
      // Nothing the server wrote is readable by group or others.
      expect(statSync(join(dir, 'blobs')).mode & 0o077).toBe(0);
      expect(await server.stop()).toBe(0);
      // The data dir now belongs to that key: another SEALBIN_MASTER_KEY is refused in one line.
      await expectRefusal({ SEALBIN_DATA_DIR: dir, SEALBIN_MASTER_KEY: '22'.repeat(32) }, [/master key/i]);
    } finally {
      await server.dispose();
    }
  });

  it('a missing master.key beside an existing database is a one-line refusal that creates no new key file', async () => {
    const dir = freshDir();
    const server = await startServer({ dataDir: dir });
    try {
      await createPaste(server.url, 'written under the first key');
      expect(await server.stop()).toBe(0);
      rmSync(join(dir, 'master.key'));
      // Attack/accident: a fresh key written before the refusal is left beside data it cannot open.
      await expectRefusal({ SEALBIN_DATA_DIR: dir }, ['master.key', 'is missing', 'SEALBIN_MASTER_KEY']);
      expect(existsSync(join(dir, 'master.key'))).toBe(false);
    } finally {
      await server.dispose();
    }
  });

  it('tightens an existing data dir that group or others could read to 0700; a port in use is a one-line refusal', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const server = await startServer({ dataDir: dir });
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const port = new URL(server.url).port;
      await expectRefusal({ SEALBIN_PORT: port }, [port]);
    } finally {
      await server.dispose();
    }
  });

  it('SEALBIN_MAX_EXPIRY=3600 alone starts, with the default expiry lowered to the maximum', async () => {
    const server = await startServer({ env: { SEALBIN_MAX_EXPIRY: '3600' } });
    try {
      const info = (await (await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })).json()) as { limits: { default_expiry: number; max_expiry: number } };
      expect(info.limits).toMatchObject({ default_expiry: 3600, max_expiry: 3600 });
      const created = await createPaste(server.url, 'expires within the hour');
      const expiresIn = Number(created.expires_at) - Number(created.created_at);
      // Counted from the creation time rounded up to the next whole second: never shorter than asked.
      expect([3600, 3601]).toContain(expiresIn);
    } finally {
      await server.dispose();
    }
  });
});
