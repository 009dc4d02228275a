// The receipts of finished uploads: given only to the upload's creator (as often as they ask, until
// they lapse), forgotten after their time (also when nobody asks), and bounded in number.
import { describe, expect, it } from 'vitest';
import { CompletionReceipts } from '../../../src/core/completion-receipts.js';
import type { Receipt } from '../../../src/core/completion-receipts.js';

const receipt = (n: number): Receipt => ({ id: n.toString(16).padStart(32, '0'), length: 1000 + n, key: null, deleteToken: `token-${n}` });

describe('CompletionReceipts', () => {
  it('gives the receipt to the creator of the upload, again when asked again, and nothing to anyone else', () => {
    const receipts = new CompletionReceipts(() => 100);
    receipts.remember('upload-1', 'client-a', receipt(1));
    expect(receipts.recall('upload-1', 'client-b')).toBeNull();
    expect(receipts.recall('upload-2', 'client-a')).toBeNull();
    expect(receipts.recall('upload-1', 'client-a')).toEqual(receipt(1));
    expect(receipts.recall('upload-1', 'client-a'), 'a second time (the first answer may be lost too)').toEqual(receipt(1));
  });

  it('forgets a receipt once its time is up', () => {
    let now = 1000;
    const receipts = new CompletionReceipts(() => now, 60);
    receipts.remember('upload-1', 'client-a', receipt(1));
    receipts.remember('upload-2', 'client-a', receipt(2));
    now = 1059;
    expect(receipts.recall('upload-1', 'client-a')).toEqual(receipt(1));
    now = 1060;
    expect(receipts.recall('upload-1', 'client-a')).toBeNull();
    now = 1000;
    expect(receipts.recall('upload-1', 'client-a'), 'removed when found lapsed').toBeNull();
    expect(receipts.recall('upload-2', 'client-a'), 'not asked for while lapsed: still there').toEqual(receipt(2));
  });

  it('drops lapsed receipts when the next one is remembered, whether or not anyone asked for them', () => {
    let now = 1000;
    const receipts = new CompletionReceipts(() => now, 60);
    receipts.remember('upload-1', 'client-a', receipt(1));
    now = 1060;
    receipts.remember('upload-2', 'client-a', receipt(2));
    // Back in time: a receipt still held would be given out; a dropped one cannot be.
    now = 1000;
    expect(receipts.recall('upload-1', 'client-a')).toBeNull();
    expect(receipts.recall('upload-2', 'client-a')).toEqual(receipt(2));
  });

  it('holds at most its limit, forgetting the oldest first', () => {
    const receipts = new CompletionReceipts(() => 0, 60, 3);
    for (let n = 1; n <= 5; n++) receipts.remember(`upload-${n}`, 'client-a', receipt(n));
    expect(receipts.recall('upload-1', 'client-a')).toBeNull();
    expect(receipts.recall('upload-2', 'client-a')).toBeNull();
    for (let n = 3; n <= 5; n++) expect(receipts.recall(`upload-${n}`, 'client-a')).toEqual(receipt(n));
  });
});
