import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const MiB = 1024 * 1024;

function configError(env: NodeJS.ProcessEnv): ConfigError {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  expect(caught, JSON.stringify(env)).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

describe('loadConfig defaults (API.md "Starting it")', () => {
  it('matches the contract with an empty environment', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('./data');
    expect(config.maxSize).toBe(100 * MiB);
    expect(config.defaultExpiry).toBe(7 * 86400);
    expect(config.maxExpiry).toBe(31536000);
    expect(config.urlPrefix).toBe('');
    expect(config.publicUrl).toBeUndefined();
    expect(config.masterKey).toBeUndefined();
    expect(config.shredPasses).toBe(1);
    expect(config.logLevel).toBe('info');
    expect(config.logIps).toBe(false);
    expect(config.corsOrigins).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('ignores variables that do not start with SEALBIN_', () => {
    const config = loadConfig({ PORT: '1', HOST: 'x', PATH: '/bin', sealbin_port: '1', XSEALBIN_PORT: '1', SEALBINPORT: '1', NODE_ENV: 'production' });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
  });

  it('skips variables whose value is undefined', () => {
    expect(loadConfig({ SEALBIN_PORT: undefined }).port).toBe(8080);
  });
});

describe('loadConfig values', () => {
  it('reads every core variable', () => {
    const key = 'ab'.repeat(32);
    const config = loadConfig({
      SEALBIN_HOST: '0.0.0.0',
      SEALBIN_PORT: '9000',
      SEALBIN_DATA_DIR: '/var/lib/sealbin',
      SEALBIN_URL_PREFIX: '/paste/',
      SEALBIN_PUBLIC_URL: 'https://paste.example.org/',
      SEALBIN_MAX_SIZE: '2MiB',
      SEALBIN_DEFAULT_EXPIRY: '3600',
      SEALBIN_MAX_EXPIRY: '86400',
      SEALBIN_LOG_LEVEL: 'debug',
      SEALBIN_LOG_IPS: 'yes',
      SEALBIN_MASTER_KEY: key,
      SEALBIN_SHRED_PASSES: '3',
      SEALBIN_CORS_ORIGINS: 'https://a.example, http://b.example:8080 ,',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/var/lib/sealbin',
      urlPrefix: '/paste',
      publicUrl: 'https://paste.example.org',
      maxSize: 2 * MiB,
      defaultExpiry: 3600,
      maxExpiry: 86400,
      logLevel: 'debug',
      logIps: true,
      shredPasses: 3,
      corsOrigins: ['https://a.example', 'http://b.example:8080'],
    });
    expect(config.masterKey?.equals(Buffer.from(key, 'hex'))).toBe(true);
  });

  it('accepts a base64 master key and a plain byte count', () => {
    const key = Buffer.alloc(32, 9);
    expect(loadConfig({ SEALBIN_MASTER_KEY: key.toString('base64') }).masterKey?.equals(key)).toBe(true);
    expect(loadConfig({ SEALBIN_MAX_SIZE: '1048576' }).maxSize).toBe(MiB);
  });

  it('allows never-expiring items when both expiries are 0, or a finite default under no maximum', () => {
    expect(loadConfig({ SEALBIN_DEFAULT_EXPIRY: '0', SEALBIN_MAX_EXPIRY: '0' })).toMatchObject({ defaultExpiry: 0, maxExpiry: 0 });
    expect(loadConfig({ SEALBIN_MAX_EXPIRY: '0' })).toMatchObject({ defaultExpiry: 7 * 86400, maxExpiry: 0 });
  });

  it('a maximum below the built-in default lowers the default to it', () => {
    expect(loadConfig({ SEALBIN_MAX_EXPIRY: '3600' })).toMatchObject({ defaultExpiry: 3600, maxExpiry: 3600 });
    expect(loadConfig({ SEALBIN_MAX_EXPIRY: '1' })).toMatchObject({ defaultExpiry: 1, maxExpiry: 1 });
    // A maximum above the built-in default leaves the default alone.
    expect(loadConfig({ SEALBIN_MAX_EXPIRY: '864000' })).toMatchObject({ defaultExpiry: 7 * 86400, maxExpiry: 864000 });
  });

  it('a default beyond the built-in maximum lifts the maximum to it (never lifts it to no bound)', () => {
    expect(loadConfig({ SEALBIN_DEFAULT_EXPIRY: String(2 * 365 * 86400) })).toMatchObject({ defaultExpiry: 2 * 365 * 86400, maxExpiry: 2 * 365 * 86400 });
    expect(loadConfig({ SEALBIN_DEFAULT_EXPIRY: '0' })).toMatchObject({ defaultExpiry: 0, maxExpiry: 0 });
    expect(loadConfig({ SEALBIN_DEFAULT_EXPIRY: '60' })).toMatchObject({ defaultExpiry: 60, maxExpiry: 365 * 86400 });
  });
});

describe('loadConfig errors', () => {
  it('refuses an unknown SEALBIN_ name and names it', () => {
    expect(configError({ SEALBIN_MAX_SZIE: '1' }).message).toContain('SEALBIN_MAX_SZIE');
    expect(configError({ SEALBIN_: 'x' }).message).toContain('SEALBIN_');
    expect(configError({ SEALBIN_port: '80' }).message).toContain('SEALBIN_port');
    expect(configError({ SEALBIN___proto__: '{}' }).message).toContain('SEALBIN___proto__');
    expect(configError({ SEALBIN_TOTALLY_MADE_UP: '1', SEALBIN_PORT: '80' }).message).toContain('SEALBIN_TOTALLY_MADE_UP');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['PORT', ''],
    ['PORT', ' 80'],
    ['HOST', ''],
    ['DATA_DIR', ''],
    ['MAX_SIZE', '1.5MiB'],
    ['MAX_SIZE', '0'],
    ['MAX_SIZE', 'lots'],
    ['MAX_SIZE', '2TiB'],
    ['DEFAULT_EXPIRY', '-5'],
    ['DEFAULT_EXPIRY', '1e3'],
    ['MAX_EXPIRY', 'forever'],
    ['MAX_EXPIRY', '99999999999999'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_IPS', 'maybe'],
    ['MASTER_KEY', 'abcd'],
    ['MASTER_KEY', 'ab'.repeat(31)],
    ['SHRED_PASSES', '11'],
    ['URL_PREFIX', 'paste'],
    ['URL_PREFIX', '/a b'],
    ['URL_PREFIX', '/../x?'],
    ['CORS_ORIGINS', 'https://a.example/path'],
    ['CORS_ORIGINS', 'ftp://a.example'],
    ['PUBLIC_URL', 'ftp://example.org'],
    ['PUBLIC_URL', 'https://user:pw@example.org'],
    ['PUBLIC_URL', 'https://example.org/?q=1'],
    ['PUBLIC_URL', 'https://example.org/#x'],
  ])('refuses SEALBIN_%s=%j with a one-line ConfigError naming it', (name, value) => {
    expect(configError({ [`SEALBIN_${name}`]: value }).message).toContain(`SEALBIN_${name}`);
  });

  it('refuses a SEALBIN_PUBLIC_URL that is not a URL at all with a ConfigError naming it (not a bare TypeError)', () => {
    for (const value of ['not a url', 'http://']) expect(configError({ SEALBIN_PUBLIC_URL: value }).message).toContain('SEALBIN_PUBLIC_URL');
  });

  it('refuses an explicit default expiry that an explicit finite maximum cannot hold', () => {
    expect(configError({ SEALBIN_DEFAULT_EXPIRY: '0', SEALBIN_MAX_EXPIRY: '86400' }).message).toContain('SEALBIN_DEFAULT_EXPIRY');
    expect(configError({ SEALBIN_DEFAULT_EXPIRY: '7200', SEALBIN_MAX_EXPIRY: '3600' }).message).toContain('SEALBIN_DEFAULT_EXPIRY');
  });

  it('refuses a SEALBIN_DATABASE_URL that is not a PostgreSQL URL without quoting it (it carries the password)', () => {
    for (const bad of ['mysql://u:topsecret@db/x', 'postgres://u:topsecret@/x', 'topsecret']) {
      const error = configError({ SEALBIN_DATABASE_URL: bad });
      expect(error.message).toContain('SEALBIN_DATABASE_URL');
      expect(error.message).not.toContain('topsecret');
    }
    const config = loadConfig({ SEALBIN_DATABASE_URL: 'postgresql://u:pw@db:5432/x', SEALBIN_BLOB_DIR: '/srv/blobs' });
    expect([config.databaseUrl, config.blobDir]).toEqual(['postgresql://u:pw@db:5432/x', '/srv/blobs']);
    expect([loadConfig({}).databaseUrl, loadConfig({}).blobDir]).toEqual([undefined, undefined]);
  });
});

describe('scale-out names: SEALBIN_REDIS_URL, SEALBIN_REDIS_PREFIX, SEALBIN_DATABASE_URL, SEALBIN_SINGLE_INSTANCE', () => {
  it('defaults to in-memory counters under the prefix "sealbin:"', () => {
    const config = loadConfig({});
    expect([config.redisUrl, config.redisPrefix, config.databaseUrl, config.singleInstance]).toEqual([undefined, 'sealbin:', undefined, false]);
  });

  it('accepts redis:// and rediss:// URLs and a prefix', () => {
    expect(loadConfig({ SEALBIN_REDIS_URL: 'redis://:pw@cache:6379/2' }).redisUrl).toBe('redis://:pw@cache:6379/2');
    expect(loadConfig({ SEALBIN_REDIS_URL: 'rediss://cache.example.org:6380', SEALBIN_REDIS_PREFIX: 'paste-prod:' }).redisPrefix).toBe('paste-prod:');
  });

  it('refuses other URLs without repeating the value (it may carry a password)', () => {
    for (const value of ['http://:hunter2@cache:6379', 'cache:6379', 'redis://']) {
      const error = configError({ SEALBIN_REDIS_URL: value });
      expect(error.message).toContain('SEALBIN_REDIS_URL');
      expect(error.message).not.toContain('hunter2');
    }
    expect(configError({ SEALBIN_REDIS_PREFIX: 'has space' }).message).toContain('SEALBIN_REDIS_PREFIX');
    expect(configError({ SEALBIN_DATABASE_URL: 'mysql://db/x', SEALBIN_REDIS_URL: 'redis://cache' }).message).toContain('SEALBIN_DATABASE_URL');
  });

  it('refuses PostgreSQL without Redis unless the operator says one instance runs (no silent per-instance limits)', () => {
    const error = configError({ SEALBIN_DATABASE_URL: 'postgres://db/sealbin' });
    expect(error.message).toMatch(/SEALBIN_REDIS_URL/);
    expect(error.message).toMatch(/SEALBIN_SINGLE_INSTANCE/);
    expect(loadConfig({ SEALBIN_DATABASE_URL: 'postgres://db/sealbin', SEALBIN_SINGLE_INSTANCE: '1' }).singleInstance).toBe(true);
    expect(loadConfig({ SEALBIN_DATABASE_URL: 'postgres://db/sealbin', SEALBIN_REDIS_URL: 'redis://cache' }).databaseUrl).toBe('postgres://db/sealbin');
  });
});
