// What the PATCH that brings an upload's last byte does with it: one file share, made at most once.
// The item's id is the upload's (keyed: ResumableUploads.itemIdOf), so a completion run again (its
// partial outlived the first run: removing it failed, or the server stopped in between) finds the
// item instead of making a second; and a completion that got as far as its commit records it, so that
// a burned or deleted item is never made again from a partial that outlived it.
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { CompletionReceipts, Receipt } from '../core/completion-receipts.js';
import { normalizeClaimedType } from '../core/content-type.js';
import { AppError } from '../core/errors.js';
import type { CreatedItem } from '../core/item-service.js';
import type { CompletionAttempt, Upload } from '../core/resumable-uploads.js';
import { isDuplicateKey } from '../core/storage-fault.js';
import type { AppContext } from './context.js';
import { uploadPolicies } from './routes/pastes.js';

/** The item made now (null when an earlier run had made it) and what the answer says of it. */
export interface Completed {
  created: CreatedItem | null;
  receipt: Receipt;
}

/** A completion run again whose item was made and is gone since (or whose commit's outcome is unknown). */
const GONE_SINCE = 'This upload was already made into an item, which is no longer available; upload the file again.';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** The completion of upload `request.params.id` of `who`, for ResumableUploads.append. */
export function completion(ctx: AppContext, request: IdRequest, receipts: CompletionReceipts, who: string): (finished: Upload, content: Readable, attempt: CompletionAttempt) => Promise<Completed> {
  const uploadId = request.params.id;
  const itemId = ctx.uploads.itemIdOf(uploadId);

  /** What an earlier run made, if its item is live: the key and delete token only while this instance's receipt lasts; the id always. */
  const madeBefore = async (length: number): Promise<Receipt | null> => {
    try {
      await ctx.items.get(itemId);
    } catch (error) {
      // Only "no such item" means not made; a database that does not answer is not a "no".
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
    return receipts.recall(uploadId, who) ?? { id: itemId, length, key: null, deleteToken: null };
  };

  /**
   * After a failed create: with no item under its id now, the failure came before any commit (a full
   * disk, a refused insert; nobody else knows the id yet to delete it), so the mark is lifted and an
   * empty PATCH can complete the upload later. A lookup that fails, or a lift that fails, keeps it.
   */
  const unmarkIfNothingMade = async (attempt: CompletionAttempt, length: number): Promise<void> => {
    try {
      if ((await madeBefore(length)) === null) await attempt.unmarkCommitting();
    } catch {
      // Kept: the retry then answers 404 and the client uploads again, never a second item.
    }
  };

  return async (finished, content, attempt) => {
    const earlier = await madeBefore(finished.offset);
    if (earlier) {
      content.destroy();
      return { created: null, receipt: earlier };
    }
    // An earlier run got as far as committing and there is no item now: it was made and is gone
    // (burned, deleted), or its insert failed. Made again under its id, a burned or deleted item
    // would come back, so the client starts over instead (a 4xx removes the partial).
    if (attempt.committing) {
      content.destroy();
      throw new AppError('NOT_FOUND', GONE_SINCE);
    }
    let created: CreatedItem;
    try {
      created = await ctx.items.create({
        id: itemId,
        body: content,
        claimedType: normalizeClaimedType(finished.options.filetype ?? undefined),
        filename: finished.options.filename,
        expiry: finished.options.expiry,
        burnAfterRead: finished.options.burnAfterRead,
        kind: 'file',
        owner: finished.owner,
        // The upload is bound to its creator (limitKey), so this is the creator's address group.
        clientGroup: request.client.group,
        ...(finished.options.maxDownloads !== null ? { maxDownloads: finished.options.maxDownloads } : {}),
        beforeCommit: async (facts) => {
          await uploadPolicies(ctx, request, facts);
          await attempt.markCommitting();
        },
      });
    } catch (error) {
      if (!isDuplicateKey(error)) {
        await unmarkIfNothingMade(attempt, finished.offset);
        throw error;
      }
      // The id has a row, so this upload was made into an item (a keyed id collides with no other):
      // made meanwhile, or earlier and no longer live (burned, expired, not yet swept). Then there is
      // nothing to make again, and no use in keeping the partial (a 4xx removes it).
      const raced = await madeBefore(finished.offset);
      if (raced) return { created: null, receipt: raced };
      throw new AppError('NOT_FOUND', GONE_SINCE);
    }
    // Remembered under the upload's lock, before the partial goes: a HEAD that waited for the lock
    // (the client's, after its connection was cut) finds it.
    const receipt: Receipt = { id: created.record.id, length: finished.offset, key: created.key, deleteToken: created.deleteToken };
    receipts.remember(uploadId, who, receipt);
    return { created, receipt };
  };
}
