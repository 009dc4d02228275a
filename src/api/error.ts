// The one error shape of every failure (API.md "Conventions"); codes are listed in docs/errors.md.
import { z } from 'zod';

/**
 * `{"error_code", "message", "request_id"}` plus the fields that help with a given code
 * (`retry_after`, `integrity_report`, `used`/`limit` ...): a loose object, so extras reach the wire.
 */
export const errorJson = z
  .looseObject({
    error_code: z.string().describe('UPPER_SNAKE code from docs/errors.md'),
    message: z.string(),
    request_id: z.string().describe('the X-Request-ID of the response'),
  })
  .meta({ id: 'Error', description: 'The JSON error (codes in docs/errors.md)' });

export type ErrorJson = z.infer<typeof errorJson>;
