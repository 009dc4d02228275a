// The ceiling for issue 16's throughput floors: plain node:http doing the work Sealbin's contract
// and its kept properties require (no framework, no hooks, no routing table, no error handling),
// with Sealbin's own functions. It leaves out some of Sealbin's work (the tally's flush, the row
// copies, SQLite's secure_delete and foreign keys), so it is if anything a little optimistic.
//   GET /{id}/raw: the recent-row check (`PRAGMA data_version`) and a cached row, the AES-256-GCM
//     decipher and the SHA-256 check of the content, the download tally, the contract's headers,
//     one pino access line (same logger, to stdout) and the duration histogram.
//   GET /{id}: the same lookup, the item's JSON, headers, access line and histogram.
//   POST /: the body read whole, inspected (type, UTF-8), a data key drawn and wrapped, the digest
//     sealed, the delete token hashed, the content sealed, the row inserted by group commit in
//     Sealbin's own database schema and answered only after the WAL's fdatasync, the JSON answer.
// If this server cannot reach a floor, no arrangement of Sealbin's code can without giving up a
// property or a part of the contract. Run by bench/ceiling.ts; CEILING_DB is a database file
// Sealbin created (its schema), CEILING_WITHOUT pieces left out (below).
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { inspectWhole } from '../src/core/content-inspector.js';
import { decideType } from '../src/core/content-type.js';
import { detectMagic } from '../src/core/detect-type.js';
import { hashDeleteToken, newDeleteToken } from '../src/core/delete-token.js';
import { newPasteId } from '../src/core/ids.js';
import { decryptAll, encryptAll } from '../src/crypto/at-rest-format.js';
import { DigestSeal } from '../src/crypto/digest-seal.js';
import { unwrapKey, wrapKey } from '../src/crypto/key-wrap.js';
import { randomBytesPooled } from '../src/crypto/random-pool.js';
import { createLogger } from '../src/logger.js';
import { WalSync } from '../src/storage/sqlite/wal-sync.js';
import { API_CSP, CONTENT_CSP, securityHeaders } from '../src/http/security-headers.js';
import { Metrics } from '../src/ops/metrics.js';

const dbFile = process.env.CEILING_DB ?? '';
if (dbFile === '') throw new Error('CEILING_DB names a Sealbin database file');
const sqlite = new BetterSqlite3(dbFile);
sqlite.pragma('journal_mode = wal');
// Commits write the WAL without syncing it; WalSync makes each batch durable before its answers.
sqlite.pragma('synchronous = normal');
const walSync = new WalSync(`${dbFile}-wal`);
const dataVersion = sqlite.prepare('pragma data_version').pluck();
const insert = sqlite.prepare(
  'insert into items (id, kind, key_hash, owner, delete_token_hash, size, mime_type, filename, sha256, created_at, expires_at, burn_after_read, burned_at, downloads, wrapped_key, blob_id, inline_data, downloads_remaining, quota_key) values (?, ?, null, null, ?, ?, ?, null, ?, ?, ?, 0, null, 0, ?, null, ?, null, null)',
);
const begin = sqlite.prepare('begin');
const commit = sqlite.prepare('commit');
const selectRow = sqlite.prepare('select id, size, mime_type, sha256, created_at, wrapped_key, inline_data, expires_at, burned_at from items where id = ?');

// CEILING_WITHOUT=log,metric,version,crypto,headers leaves pieces out, to measure what each costs
// (a server without them would give up a property: never a configuration, only a measurement).
const without = new Set((process.env.CEILING_WITHOUT ?? '').split(','));
const kek = randomBytesPooled(32);
const digests = new DigestSeal(randomBytesPooled(32));
const logger = createLogger('info', false);
// Sealbin's own metrics: the same histogram (buckets, labels), counters and default process metrics.
const metrics = new Metrics();

interface Row {
  readonly id: string;
  readonly size: number;
  readonly sha256: string;
  readonly key: Buffer;
  readonly inline: Buffer;
  readonly mimeType: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}
// What Sealbin keeps: ciphertext rows and unwrapped keys of recently read items, never plaintext.
const rows = new Map<string, { version: number; row: Row }>();
const tally = new Map<string, number>();

// The contract's security headers, from Sealbin's one source; the content CSP replaces the API's on content.
const SECURITY_HEADERS = Object.entries(securityHeaders(false)).filter(([name]) => name !== 'content-security-policy');
const ITEM = /^\/([0-9a-f]{32})(\/raw)?$/;

function accessLine(method: string, route: string, res: ServerResponse, started: number, reqId: string): void {
  res.once('finish', () => {
    const seconds = (performance.now() - started) / 1000;
    if (!without.has('log')) logger.info({ reqId, method, route, status: res.statusCode, ms: Math.round(seconds * 10_000) / 10 }, 'request');
    if (!without.has('metric')) metrics.requestDuration.observe({ route, method, status: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
  });
}

function lookup(id: string): Row | undefined {
  const version = without.has('version') ? 0 : (dataVersion.get() as number);
  const cached = rows.get(id);
  if (cached && cached.version === version) return cached.row;
  const found = selectRow.get(id) as { id: string; size: number; mime_type: string; sha256: string; created_at: number; wrapped_key: Buffer; inline_data: Buffer; expires_at: number | null; burned_at: number | null } | undefined;
  if (!found || found.burned_at !== null) return undefined;
  const row = { id, size: found.size, sha256: digests.open(id, found.sha256), key: unwrapKey(kek, found.wrapped_key, id), inline: found.inline_data, mimeType: found.mime_type, createdAt: found.created_at, expiresAt: found.expires_at };
  rows.set(id, { version, row });
  return row;
}

// CEILING_WITHOUT=crypto: plaintext kept in memory instead of the decipher and the SHA-256 check on
// every read (what Sealbin refuses to do; measured only).
const plaintexts = new Map<string, Buffer>();
function remembered(row: Row): Buffer {
  let plain = plaintexts.get(row.id);
  if (!plain) plaintexts.set(row.id, (plain = decryptAll(row.key, row.id, row.size, row.inline)));
  return plain;
}

function live(id: string, res: ServerResponse): Row | undefined {
  const row = lookup(id);
  if (row && (row.expiresAt === null || row.expiresAt * 1000 > Date.now())) return row;
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"not found"}');
  return undefined;
}

/** GET /{id}: the item's metadata, as Sealbin's itemView shapes it. */
function metadata(id: string, req: IncomingMessage, res: ServerResponse, reqId: string): void {
  const row = live(id, res);
  if (!row) return;
  const origin = `http://${req.headers.host ?? 'localhost'}`;
  const json = JSON.stringify({ id, url: `${origin}/${id}`, raw: `${origin}/${id}/raw`, size: row.size, mime_type: row.mimeType, sha256: row.sha256, created_at: row.createdAt, expires_at: row.expiresAt, burn_after_read: false, downloads_remaining: null, owner: null });
  res.writeHead(200, ['x-request-id', reqId, ...SECURITY_HEADERS.flat(), 'content-security-policy', API_CSP, 'content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(json))]);
  res.end(json);
}

function read(id: string, res: ServerResponse, reqId: string): void {
  const row = live(id, res);
  if (!row) return;
  const plain = without.has('crypto') ? remembered(row) : decryptAll(row.key, row.id, row.size, row.inline);
  if (!without.has('crypto') && createHash('sha256').update(plain).digest('hex') !== row.sha256) throw new Error('integrity check failed');
  // In memory only: Sealbin's tally is also flushed to the database once a second (and that write
  // empties its row cache), which the ceiling leaves out.
  tally.set(id, (tally.get(id) ?? 0) + 1);
  metrics.itemsServed.inc({ kind: 'paste' });
  metrics.bytesOut.inc(row.size);
  if (without.has('headers')) {
    res.writeHead(200, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(row.size)]);
    res.end(plain);
    return;
  }
  res.writeHead(200, [
    'x-request-id', reqId,
    ...SECURITY_HEADERS.flat(),
    'content-security-policy', CONTENT_CSP,
    'content-type', 'text/plain; charset=utf-8',
    'content-disposition', 'inline',
    'etag', `"${digests.etag(id, row.sha256)}"`,
    'x-content-sha256', row.sha256,
    'accept-ranges', 'bytes',
    'content-length', String(row.size),
  ]);
  res.end(plain);
}

interface Pending {
  readonly values: unknown[];
  readonly done: (error?: unknown) => void;
}
let pending: Pending[] = [];

function flush(): void {
  const batch = pending;
  pending = [];
  try {
    begin.run();
    for (const entry of batch) insert.run(...entry.values);
    commit.run();
  } catch (error) {
    if (sqlite.inTransaction) sqlite.prepare('rollback').run();
    for (const entry of batch) entry.done(error);
    return;
  }
  walSync.sync().then(
    () => batch.forEach((entry) => entry.done()),
    (error: unknown) => batch.forEach((entry) => entry.done(error)),
  );
}

function create(req: IncomingMessage, res: ServerResponse, reqId: string): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => void stored(req, res, reqId, Buffer.concat(chunks)));
}

async function stored(req: IncomingMessage, res: ServerResponse, reqId: string, plain: Buffer): Promise<void> {
  const inspection = inspectWhole(plain, 1024 * 1024);
  const mimeType = decideType({ magic: await detectMagic(inspection.head), utf8: inspection.utf8, head: inspection.head, claimed: 'text/plain' });
  const id = newPasteId();
  const dataKey = randomBytesPooled(32);
  const token = newDeleteToken();
  const now = Math.floor(Date.now() / 1000);
  const sealedDigest = digests.seal(id, inspection.sha256);
  const values = [id, 'paste', hashDeleteToken(token), plain.length, mimeType, sealedDigest, now, now + 604_800, wrapKey(kek, dataKey, id), encryptAll(dataKey, id, plain)];
  pending.push({
    values,
    done: (error) => {
      if (error) {
        res.writeHead(500).end();
        return;
      }
      const origin = `http://${req.headers.host ?? 'localhost'}`;
      const json = JSON.stringify({ id, url: `${origin}/${id}`, raw: `${origin}/${id}/raw`, size: plain.length, mime_type: mimeType, sha256: inspection.sha256, created_at: now, expires_at: now + 604_800, burn_after_read: false, downloads_remaining: null, owner: null, delete_token: token });
      res.writeHead(201, ['x-request-id', reqId, ...SECURITY_HEADERS.flat(), 'content-security-policy', API_CSP, 'location', `${origin}/${id}`, 'content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(json))]);
      res.end(json);
    },
  });
  if (pending.length === 1) setImmediate(flush);
}

const server = createServer((req, res) => {
  const started = performance.now();
  const reqId = randomUUID();
  if (req.method === 'POST' && req.url === '/') {
    accessLine('POST', '/', res, started, reqId);
    create(req, res, reqId);
    return;
  }
  const match = req.method === 'GET' ? ITEM.exec(req.url ?? '') : null;
  accessLine(req.method ?? 'GET', match ? (match[2] ? '/:id/raw' : '/:id') : 'unmatched', res, started, reqId);
  if (match?.[1] === undefined) {
    res.writeHead(404).end();
    return;
  }
  if (match[2]) read(match[1], res, reqId);
  else metadata(match[1], req, res, reqId);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`ceiling listening on http://127.0.0.1:${port}/`);
});

process.on('SIGTERM', () => {
  server.close(() => {
    sqlite.close();
    void walSync.close().then(() => process.exit(0));
  });
  server.closeAllConnections();
});
