// Every SEALBIN_* variable is parsed and validated here, once, into a frozen typed Config.
// Unknown SEALBIN_* names are refused: a typo (SEALBIN_MAX_SZIE) must not silently fall back to a default.
import { z } from 'zod';
import { parseByteSize } from './core/byte-size.js';
import { parseCidr } from './security/client-ip.js';
import { isMimeGlob } from './security/mime-policy.js';
import { parseRateSpec } from './security/rate-spec.js';
import type { RateSpec } from './security/rate-spec.js';

const MiB = 1024 * 1024;

const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const bool = z
  .string()
  .regex(/^(1|0|true|false|yes|no|on|off)$/i, 'must be 1/0, true/false, yes/no or on/off')
  .transform((value) => /^(1|true|yes|on)$/i.test(value));

const byteSize = z.string().transform((value, ctx) => {
  const parsed = parseByteSize(value);
  if (parsed === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a byte count such as 1048576, 512KiB, 100MiB or 1GiB' });
    return z.NEVER;
  }
  return parsed;
});

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const urlPrefix = z
  .string()
  .refine(
    (value) => value === '' || (value.startsWith('/') && value.replace(/\/$/, '').slice(1).split('/').every((segment) => /^[A-Za-z0-9._~-]+$/.test(segment))),
    'must be a path such as /paste (letters, digits, . _ ~ -)',
  )
  .transform((value) => value.replace(/\/+$/, ''));

const publicUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
    return z.NEVER;
  }
  if (!/^https?:$/.test(url.protocol) || url.host === '') {
    ctx.addIssue({ code: 'custom', message: 'must be an http or https URL with a host' });
    return z.NEVER;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not carry a query, fragment or credentials' });
    return z.NEVER;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
});

const masterKey = z.string().transform((value, ctx) => {
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as 64 hex characters or base64' });
    return z.NEVER;
  }
  return bytes;
});

const origins = list.pipe(
  z.array(z.string().refine((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin), 'each origin must be like https://example.org (no path) or *')),
);

const rate = z.string().transform((value, ctx) => {
  const parsed = parseRateSpec(value);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be N/second, N/minute, N/hour, N/day or off' });
    return z.NEVER;
  }
  return parsed;
});

const cidrs = list.pipe(z.array(z.string().refine((cidr) => parseCidr(cidr) !== null, 'each entry must be an IP address or CIDR such as 10.0.0.0/8 or ::1/128')));

const mimeGlobs = list.pipe(z.array(z.string().refine(isMimeGlob, 'each entry must be a MIME type or glob such as image/* or application/pdf')));

const entropy = z
  .string()
  .regex(/^[0-9]+\.?[0-9]*$/, 'must be a number of bits per byte between 0 and 8')
  .transform(Number)
  .pipe(z.number().min(0).max(8));

// Connection URLs carry passwords: the messages never quote the value.
const serviceUrl = (protocols: readonly string[], example: string) =>
  z.string().refine((value) => {
    try {
      const url = new URL(value);
      return protocols.includes(url.protocol) && url.hostname !== '';
    } catch {
      return false;
    }
  }, `must be a URL such as ${example}`);

const redisUrl = serviceUrl(['redis:', 'rediss:'], 'redis://:password@redis.example.org:6379/0');

/** A PostgreSQL URL. The message never quotes the value: it carries the database password. */
const databaseUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL with a host (e.g. postgres://sealbin:PASSWORD@db:5432/sealbin)');

/** The schema of the environment: name (without SEALBIN_) -> parser with its default. */
const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intString(0, 65535).default(8080),
  DATA_DIR: z.string().min(1).default('./data'),
  URL_PREFIX: urlPrefix.default(''),
  PUBLIC_URL: publicUrl.optional(),
  MAX_SIZE: byteSize.pipe(z.number().int().min(1).max(1024 * 1024 * MiB)).default(100 * MiB),
  // No schema defaults: which of the two was set explicitly decides how a conflict resolves.
  DEFAULT_EXPIRY: intString(0, 100 * 366 * 86400).optional(),
  MAX_EXPIRY: intString(0, 100 * 366 * 86400).optional(),
  LOG_LEVEL: logLevel.default('info'),
  LOG_IPS: bool.default(false),
  MASTER_KEY: masterKey.optional(),
  MASTER_KEY_PREVIOUS: masterKey.optional(),
  SHRED_PASSES: intString(0, 10).default(1),
  // Below this much free space creations get 507 and the rest is kept for deletes, expiry and the database.
  MIN_FREE_BYTES: byteSize.pipe(z.number().int().min(0)).default(256 * MiB),
  // Live items per owner / anonymous address group (0 = no quota): see docs/operations.md "Quotas".
  QUOTA_BYTES: byteSize.pipe(z.number().int().min(0)).default(0),
  QUOTA_ITEMS: intString(0, 1_000_000_000).default(0),
  CORS_ORIGINS: origins.default([]),
  // The browser page at /, /{id} and /download/{phrase} for clients that ask for HTML.
  WEB: bool.default(true),
  // Abuse prevention
  POW_DIFFICULTY: intString(0, 32).default(20),
  POW_MAX: intString(0, 32).default(28),
  POW_FOR_AUTHENTICATED: bool.default(false),
  FLOOD_THRESHOLD: intString(1, 1_000_000).default(5),
  FLOOD_WINDOW: intString(1, 86400).default(60),
  FLOOD_STEP: intString(0, 16).default(2),
  RATE_CREATE: rate.default({ limit: 30, windowSeconds: 3600 }),
  RATE_READ: rate.default({ limit: 600, windowSeconds: 60 }),
  RATE_HEALTH: rate.default({ limit: 1, windowSeconds: 1 }),
  BRUTE_MAX: intString(0, 1_000_000).default(10),
  BRUTE_BLOCK: intString(1, 30 * 86400).default(1800),
  DEDUP_MAX: intString(0, 1_000_000).default(3),
  DEDUP_WINDOW: intString(1, 30 * 86400).default(3600),
  DEDUP_SCOPE: z.enum(['client', 'global']).default('client'),
  MIN_ENTROPY: entropy.default(0),
  ALLOWED_TYPES: mimeGlobs.default([]),
  DENIED_TYPES: mimeGlobs.default([]),
  TRUSTED_PROXIES: cidrs.default([]),
  PROXY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  // Identity
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  TRUSTED_CA_FILE: z.string().min(1).optional(),
  ADMINS: list.pipe(z.array(z.string().transform((v) => v.toLowerCase().replace(/:/g, '')).pipe(z.string().regex(/^[0-9a-f]{64}$/, 'each admin must be a SHA-256 certificate fingerprint (64 hex characters)')))).default([]),
  REGISTER_DIFFICULTY: intString(0, 32).default(24),
  AUDIT_LOG: z.string().min(1).optional(),
  // Large transfers and policies
  CREATE_REQUIRES_AUTH: bool.default(false),
  // Operations
  METRICS_ALLOW: cidrs.default(['127.0.0.0/8', '::1/128']),
  // Scale
  DATABASE_URL: databaseUrl.optional(),
  BLOB_DIR: z.string().min(1).optional(),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1-64 letters, digits or : . _ -').default('sealbin:'),
  SINGLE_INSTANCE: bool.default(false),
  // Seconds a SIGTERM waits for in-flight requests before cutting them (deploy/ stop timeouts sit above it).
  SHUTDOWN_TIMEOUT: intString(1, 3600).default(30),
  CLEANUP_INTERVAL: intString(1, 86400).default(60),
  // Large transfers
  TUS_EXPIRY: intString(1, 30 * 86400).default(86400),
});

type Raw = z.infer<typeof schema>;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly urlPrefix: string;
  readonly publicUrl: string | undefined;
  readonly maxSize: number;
  readonly defaultExpiry: number;
  readonly maxExpiry: number;
  readonly logLevel: Raw['LOG_LEVEL'];
  readonly logIps: boolean;
  readonly masterKey: Buffer | undefined;
  /** The master key being rotated away from: still accepted for reading until `rotate-master-key` ran. */
  readonly masterKeyPrevious: Buffer | undefined;
  readonly shredPasses: number;
  /** Free bytes under which creations are refused (507); 0 = no floor. */
  readonly minFreeBytes: number;
  /** Bytes of live items one owner or anonymous address group may hold; 0 = no quota. */
  readonly quotaBytes: number;
  /** Live items one owner or anonymous address group may hold; 0 = no quota. */
  readonly quotaItems: number;
  /** Seconds between expiry sweeps (crash leftovers are swept every tenth run). */
  readonly cleanupInterval: number;
  readonly corsOrigins: readonly string[];
  /** Serve the browser page (dist/web) to clients whose Accept prefers HTML. */
  readonly web: boolean;
  readonly powDifficulty: number;
  readonly powMax: number;
  readonly powForAuthenticated: boolean;
  readonly floodThreshold: number;
  readonly floodWindow: number;
  readonly floodStep: number;
  /** null = off */
  readonly rateCreate: RateSpec | null;
  readonly rateRead: RateSpec | null;
  readonly rateHealth: RateSpec | null;
  readonly bruteMax: number;
  readonly bruteBlock: number;
  readonly dedupMax: number;
  readonly dedupWindow: number;
  /** Whose uploads duplicates are counted among: each client's own, or everyone's (a side channel). */
  readonly dedupScope: Raw['DEDUP_SCOPE'];
  readonly minEntropy: number;
  readonly allowedTypes: readonly string[];
  readonly deniedTypes: readonly string[];
  readonly trustedProxies: readonly string[];
  readonly proxySecret: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly trustedCaFile: string | undefined;
  readonly admins: readonly string[];
  readonly registerDifficulty: number;
  /** undefined = DATA_DIR/audit.log */
  readonly auditLog: string | undefined;
  /** Every creation needs an authenticated client certificate (401 AUTH_REQUIRED otherwise); reads stay public. */
  readonly createRequiresAuth: boolean;
  readonly metricsAllow: readonly string[];
  /** PostgreSQL for metadata (and blobs unless blobDir); undefined = SQLite in the data dir. Holds a password: never log it. */
  readonly databaseUrl: string | undefined;
  /** A (shared) directory for blobs; undefined = DATA_DIR/blobs with SQLite, rows in PostgreSQL with databaseUrl. */
  readonly blobDir: string | undefined;
  /** Redis for the shared counters; undefined = in memory, one process only. */
  readonly redisUrl: string | undefined;
  /** Every Redis key starts with this, so one Redis can serve several deployments. */
  readonly redisPrefix: string;
  /** The operator's word that only one instance runs (PostgreSQL without Redis). */
  readonly singleInstance: boolean;
  /** Seconds SIGTERM drains in-flight requests before the remaining connections are cut. */
  readonly shutdownTimeout: number;
  /** Seconds a partial (tus) upload lives after its creation before the sweep shreds it. */
  readonly tusExpiry: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const BUILT_IN_DEFAULT_EXPIRY = 7 * 86400;
const BUILT_IN_MAX_EXPIRY = 365 * 86400;

/** True when `expiry` (0 = never) lasts longer than the bound `max` (0 = none). */
function exceeds(expiry: number, max: number): boolean {
  return max !== 0 && (expiry === 0 || expiry > max);
}

/**
 * Default and maximum expiry (seconds, 0 = never). What an operator set wins over a built-in value:
 * a maximum below the built-in default lowers the default to it, a default beyond the built-in
 * maximum lifts the maximum to it; only two explicit values that contradict each other are refused.
 * @example resolveExpiry(undefined, 3600) // -> { defaultExpiry: 3600, maxExpiry: 3600 }
 */
export function resolveExpiry(explicitDefault: number | undefined, explicitMax: number | undefined): { defaultExpiry: number; maxExpiry: number } {
  if (explicitDefault !== undefined && explicitMax !== undefined) {
    if (exceeds(explicitDefault, explicitMax)) {
      throw new ConfigError('SEALBIN_DEFAULT_EXPIRY: must be between 1 and SEALBIN_MAX_EXPIRY when SEALBIN_MAX_EXPIRY is set (0 = never needs SEALBIN_MAX_EXPIRY=0)');
    }
    return { defaultExpiry: explicitDefault, maxExpiry: explicitMax };
  }
  if (explicitMax !== undefined) {
    return { defaultExpiry: exceeds(BUILT_IN_DEFAULT_EXPIRY, explicitMax) ? explicitMax : BUILT_IN_DEFAULT_EXPIRY, maxExpiry: explicitMax };
  }
  if (explicitDefault !== undefined) {
    return { defaultExpiry: explicitDefault, maxExpiry: exceeds(explicitDefault, BUILT_IN_MAX_EXPIRY) ? explicitDefault : BUILT_IN_MAX_EXPIRY };
  }
  return { defaultExpiry: BUILT_IN_DEFAULT_EXPIRY, maxExpiry: BUILT_IN_MAX_EXPIRY };
}

const KNOWN = new Set(Object.keys(schema.shape));

/**
 * Parses the environment into a Config, or throws a ConfigError whose message is one line.
 * @example loadConfig({ SEALBIN_PORT: '9000' }).port === 9000
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SEALBIN_') || value === undefined) continue;
    const short = name.slice('SEALBIN_'.length);
    if (!KNOWN.has(short)) throw new ConfigError(`unknown configuration variable ${name}`);
    raw[short] = value;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? '?';
    throw new ConfigError(`SEALBIN_${field}: ${issue?.message ?? 'invalid value'}`);
  }
  const parsed = result.data;
  const { defaultExpiry, maxExpiry } = resolveExpiry(parsed.DEFAULT_EXPIRY, parsed.MAX_EXPIRY);
  if ((parsed.TLS_CERT === undefined) !== (parsed.TLS_KEY === undefined)) {
    throw new ConfigError('SEALBIN_TLS_CERT and SEALBIN_TLS_KEY must be set together');
  }
  // Per-instance limits: with a shared database but in-memory counters, N instances would silently
  // multiply every rate limit by N and let each PoW token be spent once per instance.
  if (parsed.DATABASE_URL !== undefined && parsed.REDIS_URL === undefined && !parsed.SINGLE_INSTANCE) {
    throw new ConfigError('SEALBIN_DATABASE_URL needs SEALBIN_REDIS_URL for shared limits; set SEALBIN_SINGLE_INSTANCE=1 if only one instance runs');
  }
  return Object.freeze({
    host: parsed.HOST,
    port: parsed.PORT,
    dataDir: parsed.DATA_DIR,
    urlPrefix: parsed.URL_PREFIX,
    publicUrl: parsed.PUBLIC_URL,
    maxSize: parsed.MAX_SIZE,
    defaultExpiry,
    maxExpiry,
    logLevel: parsed.LOG_LEVEL,
    logIps: parsed.LOG_IPS,
    masterKey: parsed.MASTER_KEY,
    masterKeyPrevious: parsed.MASTER_KEY_PREVIOUS,
    shredPasses: parsed.SHRED_PASSES,
    minFreeBytes: parsed.MIN_FREE_BYTES,
    quotaBytes: parsed.QUOTA_BYTES,
    quotaItems: parsed.QUOTA_ITEMS,
    cleanupInterval: parsed.CLEANUP_INTERVAL,
    corsOrigins: Object.freeze([...parsed.CORS_ORIGINS]),
    web: parsed.WEB,
    powDifficulty: parsed.POW_DIFFICULTY,
    powMax: Math.max(parsed.POW_MAX, parsed.POW_DIFFICULTY),
    powForAuthenticated: parsed.POW_FOR_AUTHENTICATED,
    floodThreshold: parsed.FLOOD_THRESHOLD,
    floodWindow: parsed.FLOOD_WINDOW,
    floodStep: parsed.FLOOD_STEP,
    rateCreate: parsed.RATE_CREATE,
    rateRead: parsed.RATE_READ,
    rateHealth: parsed.RATE_HEALTH,
    bruteMax: parsed.BRUTE_MAX,
    bruteBlock: parsed.BRUTE_BLOCK,
    dedupMax: parsed.DEDUP_MAX,
    dedupWindow: parsed.DEDUP_WINDOW,
    dedupScope: parsed.DEDUP_SCOPE,
    minEntropy: parsed.MIN_ENTROPY,
    allowedTypes: Object.freeze([...parsed.ALLOWED_TYPES]),
    deniedTypes: Object.freeze([...parsed.DENIED_TYPES]),
    trustedProxies: Object.freeze([...parsed.TRUSTED_PROXIES]),
    proxySecret: parsed.PROXY_SECRET,
    tlsCert: parsed.TLS_CERT,
    tlsKey: parsed.TLS_KEY,
    trustedCaFile: parsed.TRUSTED_CA_FILE,
    admins: Object.freeze([...parsed.ADMINS]),
    registerDifficulty: parsed.REGISTER_DIFFICULTY,
    auditLog: parsed.AUDIT_LOG,
    createRequiresAuth: parsed.CREATE_REQUIRES_AUTH,
    metricsAllow: Object.freeze([...parsed.METRICS_ALLOW]),
    databaseUrl: parsed.DATABASE_URL,
    blobDir: parsed.BLOB_DIR,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    singleInstance: parsed.SINGLE_INSTANCE,
    shutdownTimeout: parsed.SHUTDOWN_TIMEOUT,
    tusExpiry: parsed.TUS_EXPIRY,
  });
}
