// Operations: GET / (server info), GET /health, GET /openapi.json.
import type { FastifyInstance } from 'fastify';
import { spaceIsBack } from '../../core/disk-guard.js';
import type { DiskState } from '../../core/disk-guard.js';
import type { AppContext } from '../context.js';
import { schemas } from '../schemas.js';
import type { StorageFaults } from '../storage-faults.js';

/** A hung backend must not hang the health check (and the orchestrator waiting on it). */
const HEALTH_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function opsRoutes(app: FastifyInstance, ctx: AppContext, storageFaults: StorageFaults): Promise<void> {
  const { config } = ctx;
  app.get('/', { schema: schemas.info, config: { webPage: 'create' } }, async () => {
    const difficulty = await ctx.abuse.flood.difficulty();
    return {
    name: 'sealbin',
    version: ctx.version,
    endpoints: {
      create: 'POST /',
      metadata: 'GET /{id}',
      raw: 'GET /{id}/raw',
      delete: 'DELETE /{id}',
      upload: 'POST /upload',
      resumable_upload: 'POST /tus',
      download: 'GET /download/{key}',
      preview: 'GET /preview/{key}',
      status: 'GET /status/{key}',
      challenge: 'GET /challenge',
      shorten: 'POST /s',
      redirect: 'GET /s/{id}',
      short_info: 'GET /s/{id}/info',
      pki_status: 'GET /pki/status',
      register: 'POST /register',
      list: 'GET /pastes',
      health: 'GET /health',
      openapi: 'GET /openapi.json',
      client: 'GET /client',
      metrics: 'GET /metrics',
    },
    limits: { max_size: config.maxSize, default_expiry: config.defaultExpiry, max_expiry: config.maxExpiry, quota_bytes: config.quotaBytes, quota_items: config.quotaItems },
    pow: { enabled: difficulty > 0, difficulty },
    // With an entropy floor, only ciphertext (e.g. fpaste's end-to-end encryption) gets through.
    encryption_required: config.minEntropy > 0,
    // A private instance says so up front, so clients can explain a 401 before sending anything.
    create_requires_auth: config.createRequiresAuth,
    };
  });

  app.get('/health', { schema: schemas.health, config: { rateGroup: 'health' } }, async (request, reply) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, run: () => Promise<void>) => {
      try {
        await withTimeout(run(), HEALTH_TIMEOUT_MS);
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = 'failed';
        request.log.warn({ check: name, err: error }, 'health check failed');
      }
    };
    let disk: DiskState | null = null;
    await Promise.all([
      probe('database', () => ctx.metadata.ping()),
      probe('blobs', () => ctx.blobs.ping()),
      probe(config.redisUrl ? 'redis' : 'counters', () => ctx.abuse.counters.ping()),
      // Free space as statfs reports it: under the floor (or none at all) the disk check fails. The
      // byte count is public like the rest of /health: whoever could fill the disk learns that from 507s anyway.
      probe('disk', async () => {
        disk = await ctx.disk.state();
        if (disk.low) throw new Error(`${disk.free} bytes free, under the floor of ${disk.floor}`);
      }),
    ]);
    // A read-only probe sees no lock held by another process, and SQLite may fail for space before
    // statfs shows none: writes that hit either mark it failed for a while ("disk" / "database").
    const measured = disk as DiskState | null;
    for (const fault of storageFaults.recent()) {
      // Space freed by an operator or by deletes shows in statfs: the health recovers without a creation.
      if (fault === 'disk' && measured && spaceIsBack(measured)) storageFaults.forget(fault);
      else checks[fault] = 'failed';
    }
    const ok = Object.values(checks).every((value) => value === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks, ...(measured ? { disk: { free_bytes: measured.free, min_free_bytes: measured.floor } } : {}) });
  });

  app.get('/openapi.json', { schema: schemas.openapi }, async () => app.swagger());
}
