// GET / (server info) and GET /health.
import { z } from 'zod';

export const serverInfoJson = z
  .object({
    name: z.string(),
    version: z.string(),
    endpoints: z.record(z.string(), z.string()).describe('name -> "METHOD /path"'),
    limits: z.object({
      max_size: z.number().int(),
      default_expiry: z.number().int(),
      max_expiry: z.number().int(),
      quota_bytes: z.number().int().describe('bytes of live items per owner or anonymous address group; 0 = no quota'),
      quota_items: z.number().int().describe('live items per owner or anonymous address group; 0 = no quota'),
    }),
    pow: z.object({ enabled: z.boolean(), difficulty: z.number().int() }),
    encryption_required: z.boolean().describe('true when an entropy floor only lets ciphertext through'),
    create_requires_auth: z.boolean().describe('true when every creation needs a client certificate (SEALBIN_CREATE_REQUIRES_AUTH); reads stay public'),
  })
  .meta({ id: 'ServerInfo', description: 'What this server is and its limits' });

export const healthJson = z
  .object({
    status: z.string().describe('ok | unavailable'),
    checks: z.record(z.string(), z.string()).describe('backend -> ok | failed'),
    disk: z
      .object({ free_bytes: z.number().int().describe('free bytes on the fullest filesystem holding data'), min_free_bytes: z.number().int().describe('SEALBIN_MIN_FREE_BYTES; 0 = no floor') })
      .optional()
      .describe('absent when free space could not be measured'),
  })
  .meta({ id: 'Health', description: 'The server\'s health per backend' });

export type ServerInfoJson = z.infer<typeof serverInfoJson>;
export type HealthJson = z.infer<typeof healthJson>;
