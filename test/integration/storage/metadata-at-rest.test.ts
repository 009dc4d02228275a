// Attack (issue 11): a dump of the database showed file names and short-link targets in clear, and a
// target can carry a token. They are sealed at rest like content; the API still answers with them,
// and a database written by an earlier version (names and targets in clear) is sealed at start.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { leftovers } from '../../helpers/data-files.js';
import { createPaste, uploadFile } from '../../helpers/http.js';
import type { Created } from '../../helpers/http.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.dispose();
});

interface Secrets {
  pasteName: string;
  fileName: string;
  token: string;
}

function needles(secrets: Secrets): Record<string, Buffer> {
  return {
    'the paste file name': Buffer.from(secrets.pasteName),
    'the upload file name': Buffer.from(secrets.fileName),
    'the link token': Buffer.from(secrets.token),
  };
}

async function createAll(url: string, secrets: Secrets): Promise<{ paste: Created; file: Created; link: { id: string; target: string } }> {
  const paste = await createPaste(url, `named paste ${randomBytes(8).toString('hex')}`, { 'X-Filename': secrets.pasteName });
  const file = await uploadFile(url, `uploaded ${randomBytes(8).toString('hex')}`, secrets.fileName);
  const response = await fetch(`${url}/s`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `https://example.org/reset?token=${secrets.token}` });
  expect(response.status).toBe(201);
  return { paste, file, link: (await response.json()) as { id: string; target: string } };
}

async function expectApiAnswers(url: string, created: Awaited<ReturnType<typeof createAll>>, secrets: Secrets): Promise<void> {
  const paste = (await (await fetch(`${url}/${created.paste.id}`, { headers: { accept: 'application/json' } })).json()) as { filename?: string };
  expect(paste.filename).toBe(secrets.pasteName);
  // The download URL names the server that created it; a restarted server listens on another port.
  const download = new URL(created.file.download_url as string);
  const file = await fetch(`${url}${download.pathname}${download.search}`);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-disposition')).toContain(secrets.fileName);
  await file.arrayBuffer();
  const info = (await (await fetch(`${url}/s/${created.link.id}/info`)).json()) as { target: string };
  expect(info.target).toBe(`https://example.org/reset?token=${secrets.token}`);
  const redirect = await fetch(`${url}/s/${created.link.id}`, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  expect(redirect.headers.get('location')).toBe(`https://example.org/reset?token=${secrets.token}`);
}

function freshSecrets(): Secrets {
  const tag = randomBytes(6).toString('hex');
  return { pasteName: `salaries-${tag}.csv`, fileName: `passport-scan-${tag}.pdf`, token: `tok${randomBytes(12).toString('hex')}` };
}

describe('file names and short-link targets at rest', () => {
  it('are not in the database, WAL or shm file, and the API still returns them', async () => {
    const server = await startServer();
    servers.push(server);
    const secrets = freshSecrets();
    const created = await createAll(server.url, secrets);
    expect(leftovers(server.dataDir, needles(secrets))).toEqual([]);
    await expectApiAnswers(server.url, created, secrets);
    expect(leftovers(server.dataDir, needles(secrets))).toEqual([]);
  });

  it('rows an earlier version stored in clear are sealed at start, and the clear values shredded', async () => {
    const first = await startServer();
    servers.push(first);
    const secrets = freshSecrets();
    const created = await createAll(first.url, secrets);
    expect(await first.stop()).toBe(0);
    // Turn the database into what an earlier version wrote: values in clear, migration 004 and later not run.
    const db = new BetterSqlite3(join(first.dataDir, 'sealbin.db'));
    db.prepare('update items set filename = ? where id = ?').run(secrets.pasteName, created.paste.id);
    db.prepare('update items set filename = ? where id = ?').run(secrets.fileName, created.file.id);
    db.prepare('update short_links set target = ? where id = ?').run(`https://example.org/reset?token=${secrets.token}`, created.link.id);
    // Migrations run in name order: the later ones (and what they made) go too, as if never run.
    db.prepare("delete from kysely_migration where name >= '004-sealed-metadata'").run();
    db.prepare('drop table pki_audit').run();
    db.prepare('drop index items_unsealed_digest').run();
    db.prepare('drop index items_quota_key').run();
    db.prepare('alter table items drop column quota_key').run();
    db.prepare('alter table items drop column downloads_remaining').run();
    db.prepare('alter table items drop column open_reads').run();
    db.prepare('alter table short_links drop column clicks_remaining').run();
    db.prepare("delete from settings where name = 'metadata_sealing'").run();
    db.close();
    expect(leftovers(first.dataDir, needles(secrets))).toHaveLength(3);

    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const line = await second.waitForLog((l) => /sealed file names/.test(l.msg ?? ''), 'the sealing pass');
    expect(line['sealed']).toBe(3);
    await expectApiAnswers(second.url, created, secrets);
    await waitFor(() => leftovers(second.dataDir, needles(secrets)).length === 0, 'no clear file name or token left in the data files');
  });
});
