// Building blocks shared by the wire shapes: the contract's times are integer Unix seconds.
import { z } from 'zod';

/** An instant as whole Unix seconds. */
export const unixTime = z.number().int();

/** An expiry: Unix seconds, or null for "never expires". */
export const expiresAt = unixTime.nullable().describe('Unix seconds; null = never expires');

/** A client's identity: the lowercase hex SHA-256 of its certificate's DER, or null (anonymous). */
export const owner = z.string().nullable().describe('certificate fingerprint (lowercase hex SHA-256), null when anonymous');
