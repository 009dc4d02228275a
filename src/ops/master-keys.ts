// Opening the server's keys: the master key (env or key file), an optional previous one during a
// rotation, the check value that detects a wrong key, and the sealed random root secret.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openSecretAny, sealSecret } from '../crypto/key-wrap.js';
import { deriveKeyring, serverKeyring } from '../crypto/keyring.js';
import type { Keyring } from '../crypto/keyring.js';
import { DATABASE_FILE } from '../data-dir.js';
import { MissingKeyError, loadOrCreateMasterKey } from '../storage/fs/master-key-file.js';
import type { MetadataStore } from '../storage/ports.js';

export const ROOT_SECRET_LABEL = 'root-secret';
const CHECK_SETTING = 'master_key_check';
const ROOT_SETTING = 'root_secret';

export class KeyError extends Error {
  override readonly name = 'KeyError';
}

export interface MasterKeys {
  current: Keyring;
  previous: Keyring | null;
}

export async function loadMasterKeys(config: Config, dataDir: string, logger: Logger): Promise<MasterKeys> {
  let master: Buffer;
  if (config.masterKey) {
    master = config.masterKey;
  } else {
    const path = join(dataDir, 'master.key');
    const database = join(dataDir, DATABASE_FILE);
    // A fresh key beside existing data opens nothing and would be left behind by the refusal that
    // follows, where an operator (or a restore script) might later take it for the real one.
    // With a shared database every instance must use the same key: one made up here would differ
    // from the others' (and from the one the data was written with).
    const mayCreate = !config.databaseUrl && !existsSync(database);
    try {
      const loaded = await loadOrCreateMasterKey(path, mayCreate);
      if (loaded.created) logger.warn({ path }, 'created a new master key file; back it up: without it no stored item can be read');
      master = loaded.key;
    } catch (error) {
      if (error instanceof MissingKeyError && config.databaseUrl) throw new KeyError(`SEALBIN_DATABASE_URL is set: give every instance the same master key (SEALBIN_MASTER_KEY, or the key file mounted at ${path}); no key file is created for a shared database`);
      if (error instanceof MissingKeyError) throw new KeyError(`${path} is missing but ${database} holds data written with a master key: restore the key file (mode 0600) or set SEALBIN_MASTER_KEY; no new key was created`);
      throw new KeyError((error as Error).message);
    }
  }
  return { current: deriveKeyring(master), previous: config.masterKeyPrevious ? deriveKeyring(config.masterKeyPrevious) : null };
}

/**
 * Checks the master key against the data and opens (or creates) the root secret. A wrong key is
 * refused at start instead of failing every read; the previous key is accepted while a rotation is
 * pending (`rotate-master-key` finishes it).
 */
export async function openKeyring(keys: MasterKeys, metadata: MetadataStore, logger: Logger): Promise<Keyring> {
  // Created if absent, atomically: instances starting together on an empty database agree on one value.
  const check = await metadata.setSettingIfAbsent(CHECK_SETTING, keys.current.check);
  if (check !== keys.current.check) {
    if (keys.previous && check === keys.previous.check) logger.warn('master key rotation pending: data is still wrapped by SEALBIN_MASTER_KEY_PREVIOUS; run `rotate-master-key`');
    else throw new KeyError('the master key does not match the one this data directory was written with');
  }
  const wrapKeys = [keys.current.wrapKey, ...(keys.previous ? [keys.previous.wrapKey] : [])];
  // Get-then-set would let two instances starting on an empty database each store their own root
  // secret and derive different diceware and PoW keys: one wins the insert, all read the winner's.
  const sealed = await metadata.setSettingIfAbsent(ROOT_SETTING, sealSecret(keys.current.wrapKey, randomBytes(32), ROOT_SECRET_LABEL).toString('base64'));
  let root: Buffer;
  try {
    root = openSecretAny(wrapKeys, Buffer.from(sealed, 'base64'), ROOT_SECRET_LABEL);
  } catch {
    throw new KeyError('the stored root secret does not open with the master key');
  }
  return serverKeyring(keys.current, keys.previous, root);
}

export const SETTINGS = { check: CHECK_SETTING, root: ROOT_SETTING } as const;
