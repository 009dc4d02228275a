// SEALBIN_* names in deploy files: known to src/config.ts today, or reserved by the team contract.
import { ConfigError, loadConfig } from '../../src/config.js';

/**
 * Every configuration name of the shared contract (API.md, "Every configuration name"); a name becomes
 * known to src/config.ts when its feature lands. Deploy files may already mention these.
 */
export const CONTRACT_NAMES: readonly string[] = [
  // Core
  'HOST', 'PORT', 'DATA_DIR', 'URL_PREFIX', 'PUBLIC_URL', 'MAX_SIZE', 'DEFAULT_EXPIRY', 'MAX_EXPIRY', 'LOG_LEVEL', 'LOG_IPS', 'MASTER_KEY', 'SHRED_PASSES', 'CORS_ORIGINS', 'WEB',
  // Abuse
  'POW_DIFFICULTY', 'POW_MAX', 'POW_FOR_AUTHENTICATED', 'FLOOD_THRESHOLD', 'FLOOD_WINDOW', 'FLOOD_STEP', 'RATE_CREATE', 'RATE_READ', 'RATE_HEALTH', 'BRUTE_MAX', 'BRUTE_BLOCK', 'DEDUP_MAX', 'DEDUP_WINDOW', 'MIN_ENTROPY', 'ALLOWED_TYPES', 'DENIED_TYPES', 'TRUSTED_PROXIES',
  // Identity
  'TLS_CERT', 'TLS_KEY', 'TRUSTED_CA_FILE', 'PROXY_SECRET', 'ADMINS', 'REGISTER_DIFFICULTY', 'AUDIT_LOG',
  // Operations
  'METRICS_ALLOW',
  // Scale
  'DATABASE_URL', 'REDIS_URL', 'BLOB_DIR',
  // Large transfers
  'TUS_EXPIRY', 'CREATE_REQUIRES_AUTH', 'QUOTA_BYTES', 'QUOTA_ITEMS', 'MIN_FREE_BYTES',
].map((name) => `SEALBIN_${name}`);

/** Whole SEALBIN_ names only: `SEALBIN_TLS_*` in prose is a pattern, not a name. */
export const NAME = /SEALBIN_[A-Z0-9]+(?:_[A-Z0-9]+)*(?![A-Za-z0-9_*])/g;

/** Whether src/config.ts accepts the name (whatever it thinks of the value). */
export function knownToConfig(name: string): boolean {
  try {
    loadConfig({ [name]: '\u0000' });
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return !error.message.startsWith('unknown configuration variable');
  }
}

/** A valid 32-byte master key for configuration checks (never used to store anything). */
export const TEST_MASTER_KEY = '00'.repeat(32);
