// The one-time pass that seals file names and short-link targets stored in clear by earlier versions
// (migration 004 marks it pending). Runs at start, before listening; safe to interrupt and rerun:
// a value that already opens under the key is left alone, every other value is sealed.
import { fieldLabel, isSealedField, sealField } from '../../crypto/field-seal.js';
import { SEALING_SETTING } from '../sql/migrations.js';
import type { FieldSealingStore, MetadataStore, SealedPlace } from '../ports.js';

const PLACES: readonly SealedPlace[] = ['items.filename', 'short_links.target'];
const BATCH = 500;

/** Seals what is pending; returns how many values it sealed (0 once done). */
export async function sealExistingFields(metadata: MetadataStore, fields: FieldSealingStore, key: Buffer): Promise<number> {
  if ((await metadata.getSetting(SEALING_SETTING)) !== 'pending') return 0;
  let sealed = 0;
  for (const place of PLACES) {
    let after = '';
    for (;;) {
      const batch = await fields.listFields(place, after, BATCH);
      if (batch.length === 0) break;
      for (const { id, value } of batch) {
        const label = fieldLabel(place, id);
        // A plaintext value cannot pass the GCM tag: only values this pass (or a newer server) sealed open.
        if (isSealedField(key, value, label)) continue;
        if (await fields.replaceField(place, id, value, sealField(key, value, label))) sealed++;
      }
      after = batch[batch.length - 1]?.id ?? after;
    }
  }
  await metadata.setSetting(SEALING_SETTING, 'done');
  return sealed;
}
