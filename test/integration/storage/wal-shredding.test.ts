// Attack (issue 11): after a 204 DELETE, a deleted inline item's wrapped key and ciphertext were
// recovered from sealbin.db-wal and decrypted with master.key. Whatever removes an item (DELETE, the
// one read of a burn item, the expiry sweep) must leave none of its bytes in the database, the WAL,
// the shared-memory file or the blobs directory, within seconds and without a restart.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createPaste } from '../../helpers/http.js';
import type { Created } from '../../helpers/http.js';
import { leftovers } from '../../helpers/data-files.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { unixSeconds, waitFor } from '../../helpers/wait.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.dispose();
});

/** The stored secrets of an item as an attacker with the data files would look for them. */
function storedSecrets(dataDir: string, item: Created, label: string, plaintextMarker: string): Record<string, Buffer> {
  // A second, read-only connection: the server keeps its own open (WAL mode allows both).
  const db = new BetterSqlite3(join(dataDir, 'sealbin.db'), { readonly: true });
  try {
    const row = db.prepare('select wrapped_key, inline_data, blob_id from items where id = ?').get(item.id) as { wrapped_key: Buffer; inline_data: Buffer | null; blob_id: string | null };
    const ciphertext = row.inline_data ?? readFileSync(join(dataDir, 'blobs', (row.blob_id as string).slice(0, 2), row.blob_id as string));
    const middle = Math.floor(ciphertext.length / 2);
    return {
      [`wrapped key of ${label}`]: Buffer.from(row.wrapped_key),
      [`ciphertext of ${label}`]: ciphertext.subarray(middle, middle + 32),
      [`plaintext of ${label}`]: Buffer.from(plaintextMarker),
    };
  } finally {
    db.close();
  }
}

function content(marker: string, size: number): Buffer {
  // Random filler keeps the content from being refused as low-entropy or deduplicated.
  return Buffer.concat([Buffer.from(marker), randomBytes(size)]);
}

describe('removed items leave no bytes in the data files', () => {
  it('DELETE and the burn read shred inline and blob-sized items from the database, WAL and blobs', async () => {
    const server = await startServer();
    servers.push(server);
    const markers = { inline: `inline-${randomBytes(8).toString('hex')}`, burn: `burn-${randomBytes(8).toString('hex')}`, blob: `blob-${randomBytes(8).toString('hex')}` };
    const inline = await createPaste(server.url, content(markers.inline, 2000));
    const burn = await createPaste(server.url, content(markers.burn, 2000), { 'X-Burn-After-Read': '1' });
    const blob = await createPaste(server.url, content(markers.blob, 300_000));
    const needles = {
      ...storedSecrets(server.dataDir, inline, 'the deleted inline item', markers.inline),
      ...storedSecrets(server.dataDir, burn, 'the burned inline item', markers.burn),
      ...storedSecrets(server.dataDir, blob, 'the deleted blob item', markers.blob),
    };
    // The search can find what it looks for: before removal the key and ciphertext are on disk.
    const present = leftovers(server.dataDir, needles);
    for (const label of ['the deleted inline item', 'the burned inline item', 'the deleted blob item']) {
      expect(present.some((hit) => hit.startsWith(`wrapped key of ${label}`))).toBe(true);
      expect(present.some((hit) => hit.startsWith(`ciphertext of ${label}`))).toBe(true);
    }
    // Content is encrypted at rest: the plaintext was never there.
    expect(present.filter((hit) => hit.startsWith('plaintext'))).toEqual([]);

    for (const item of [inline, blob]) {
      const response = await fetch(item.url, { method: 'DELETE', headers: { 'X-Delete-Token': item.delete_token as string } });
      expect(response.status).toBe(204);
    }
    const read = await fetch(burn.raw);
    expect(read.status).toBe(200);
    await read.arrayBuffer();
    await waitFor(async () => (await fetch(burn.url)).status === 404, 'the burned item to be gone');

    await waitFor(() => leftovers(server.dataDir, needles).length === 0, `no bytes of the removed items in the data files (found when the wait began: ${leftovers(server.dataDir, needles).join(', ')})`);
  });

  it('the expiry sweep shreds what it removes from the database and the WAL', async () => {
    const first = await startServer();
    servers.push(first);
    const marker = `expiring-${randomBytes(8).toString('hex')}`;
    const expiring = await createPaste(first.url, content(marker, 2000), { 'X-Expiry': '1' });
    const needles = storedSecrets(first.dataDir, expiring, 'the expired item', marker);
    expect(leftovers(first.dataDir, needles).length).toBeGreaterThan(0);
    await waitFor(() => unixSeconds() > (expiring.expires_at as number), 'the item to expire', { timeoutMs: 5000 });
    expect(await first.stop()).toBe(0);
    // The expired row is in the database file now; the sweep at start removes it.
    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    await second.waitForLog((line) => line.msg === 'startup cleanup' && Number(line['expired']) >= 1, 'the startup sweep');
    expect((await fetch(`${second.url}/${expiring.id}`)).status).toBe(404);
    await waitFor(() => leftovers(second.dataDir, needles).length === 0, `no bytes of the expired item in the data files (found when the wait began: ${leftovers(second.dataDir, needles).join(', ')})`);
  });
});
