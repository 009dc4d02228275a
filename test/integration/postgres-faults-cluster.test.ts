// The private PostgreSQL helper itself (test/helpers/private-postgres.ts): the fault tests trust it to
// give a real, durable, private cluster whose stop really cuts connections and whose crash really
// needs recovery. Skipped with the reason where the binaries or root are missing.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { privatePostgresUnavailable, usePrivatePostgres } from '../helpers/private-postgres.js';

const unavailable = privatePostgresUnavailable();
const cluster = usePrivatePostgres();

async function query<T extends Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(unavailable !== null)(`private PostgreSQL cluster${unavailable === null ? '' : ` (skipped: ${unavailable})`}`, () => {
  it('is private, durable, and survives a clean stop and a crash with every committed row', async () => {
    const pgc = await cluster.ready();
    expect(pgc.port).not.toBe(5432);
    expect(pgc.url).toBe(`postgres://postgres@127.0.0.1:${pgc.port}/postgres`);
    // Owned by postgres (the server refuses to run as root), not by whoever runs the tests.
    expect(statSync(pgc.dataDir).uid).not.toBe(0);
    expect(statSync(dirname(pgc.dataDir)).uid).toBe(statSync(pgc.dataDir).uid);

    const settings = await query<{ name: string; setting: string }>(pgc.url, "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'listen_addresses', 'port')");
    expect(Object.fromEntries(settings.map((row) => [row.name, row.setting]))).toEqual({ fsync: 'on', synchronous_commit: 'on', listen_addresses: '127.0.0.1', port: String(pgc.port) });

    await query(pgc.url, 'CREATE TABLE marks (n integer PRIMARY KEY)');
    await query(pgc.url, 'INSERT INTO marks VALUES (1)');

    // A clean stop: new connections are refused, not hung.
    await pgc.stop('fast');
    expect(await pgc.running()).toBe(false);
    await expect(query(pgc.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await pgc.start();
    expect(await pgc.running()).toBe(true);
    expect(await query(pgc.url, 'SELECT n FROM marks ORDER BY n')).toEqual([{ n: 1 }]);

    // A crash (no shutdown checkpoint): the start runs recovery, and the committed row is back.
    await query(pgc.url, 'INSERT INTO marks VALUES (2)');
    await pgc.stop('immediate');
    await expect(query(pgc.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await pgc.start();
    expect(pgc.log()).toMatch(/not properly shut down; automatic recovery in progress/);
    expect(await query(pgc.url, 'SELECT n FROM marks ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);

    // restart() is stop + start; a session open across it is cut, a new one works.
    const held = new pg.Client({ connectionString: pgc.url });
    const heldErrors: Error[] = [];
    held.on('error', (error) => heldErrors.push(error));
    await held.connect();
    await pgc.restart();
    const cut = await waitFor(() => heldErrors[0], 'the held session to be cut by the restart');
    expect(cut.message).toMatch(/terminat|shut ?down|Connection/i);
    await held.end().catch(() => undefined);
    expect(await query(pgc.url, 'SELECT count(*)::int AS n FROM marks')).toEqual([{ n: 2 }]);

    const other = await pgc.createDatabase('sealbin_helper_check');
    expect(other).toBe(`postgres://postgres@127.0.0.1:${pgc.port}/sealbin_helper_check`);
    expect(await query(other, 'SELECT current_database() AS name')).toEqual([{ name: 'sealbin_helper_check' }]);

    // dispose stops the postmaster and removes every file; a second call is harmless.
    await pgc.dispose();
    expect(existsSync(dirname(pgc.dataDir))).toBe(false);
    await expect(query(pgc.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await pgc.dispose();
  });
});
