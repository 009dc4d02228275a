// A proof-of-work challenge (GET /challenge, GET /register/challenge).
import { z } from 'zod';

/** All fields but `enabled` and `difficulty` are null when proof of work is off. */
export const challengeJson = z
  .object({
    enabled: z.boolean(),
    difficulty: z.number().int().describe('leading zero bits SHA-256(nonce + ":" + s) must have'),
    nonce: z.string().nullable(),
    expires: z.number().int().nullable().describe('Unix seconds'),
    token: z.string().nullable().describe('send back as X-PoW-Token'),
  })
  .meta({ id: 'Challenge', description: 'A proof-of-work challenge' });

export type ChallengeJson = z.infer<typeof challengeJson>;
