// `sealbin rotate-master-key`: re-wraps every item key, the CA key and the root secret under the
// current master key, while the server keeps serving (it reads with current and previous keys).
import type { Logger } from 'pino';
import { openSecretAny, sealSecret, unwrapKey, unwrapKeyAny, wrapKey } from '../crypto/key-wrap.js';
import { CA_KEY_LABEL } from '../core/pki-service.js';
import type { MetadataStores } from '../storage/ports.js';
import type { MasterKeys } from './master-keys.js';
import { KeyError, ROOT_SECRET_LABEL, SETTINGS } from './master-keys.js';

export interface RotationReport {
  items: number;
  rewrapped: number;
  skipped: number;
  ca: boolean;
}

const BATCH = 500;

export async function rotateMasterKey(keys: MasterKeys, stores: Pick<MetadataStores, 'metadata' | 'pki' | 'keys'>, logger: Logger): Promise<RotationReport> {
  if (!keys.previous) throw new KeyError('set SEALBIN_MASTER_KEY_PREVIOUS to the old key and SEALBIN_MASTER_KEY (or the key file) to the new one');
  const current = keys.current.wrapKey;
  const all = [current, keys.previous.wrapKey];
  const check = await stores.metadata.getSetting(SETTINGS.check);
  if (check !== keys.previous.check && check !== keys.current.check) throw new KeyError('neither key matches the data directory');

  const report: RotationReport = { items: 0, rewrapped: 0, skipped: 0, ca: false };
  let after = '';
  for (;;) {
    const batch = await stores.keys.listWrappedKeys(after, BATCH);
    if (batch.length === 0) break;
    for (const { id, wrappedKey } of batch) {
      report.items++;
      try {
        unwrapKey(current, wrappedKey, id);
        continue; // already under the new key (written since the restart)
      } catch {
        // wrapped by the previous key: re-wrap below
      }
      let dataKey: Buffer;
      try {
        dataKey = unwrapKeyAny(all, wrappedKey, id);
      } catch {
        report.skipped++;
        logger.error({ item: 'unreadable' }, 'an item key opens with neither master key; left as it is');
        continue;
      }
      if (await stores.keys.replaceWrappedKey(id, wrappedKey, wrapKey(current, dataKey, id))) report.rewrapped++;
      dataKey.fill(0);
    }
    after = batch[batch.length - 1]?.id ?? after;
  }

  const ca = await stores.pki.getCa();
  if (ca) {
    const pkcs8 = openSecretAny(all, ca.sealedKey, CA_KEY_LABEL);
    report.ca = await stores.keys.replaceCaSealedKey(ca.sealedKey, sealSecret(current, pkcs8, CA_KEY_LABEL));
    pkcs8.fill(0);
  }
  const sealedRoot = await stores.metadata.getSetting(SETTINGS.root);
  if (sealedRoot) {
    const root = openSecretAny(all, Buffer.from(sealedRoot, 'base64'), ROOT_SECRET_LABEL);
    await stores.metadata.setSetting(SETTINGS.root, sealSecret(current, root, ROOT_SECRET_LABEL).toString('base64'));
    root.fill(0);
  }
  // Last: from now on only the new key opens this data directory.
  if (report.skipped === 0) await stores.metadata.setSetting(SETTINGS.check, keys.current.check);
  return report;
}
