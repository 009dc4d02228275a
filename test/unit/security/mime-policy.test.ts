// MIME policy: SEALBIN_ALLOWED_TYPES / SEALBIN_DENIED_TYPES globs on the detected type; deny wins,
// an empty allow list allows everything not denied; refusals are 415 TYPE_NOT_ALLOWED.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { isMimeGlob, MimePolicy } from '../../../src/security/mime-policy.js';

function verdict(policy: MimePolicy, type: string): 'allowed' | 'refused' {
  try {
    policy.check(type);
    return 'allowed';
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'TYPE_NOT_ALLOWED', status: 415 });
    return 'refused';
  }
}

describe('mime-policy', () => {
  it('allows everything when both lists are empty', () => {
    const open = new MimePolicy([], []);
    for (const type of ['text/plain', 'application/octet-stream', 'image/svg+xml', 'application/x-msdownload']) expect(verdict(open, type)).toBe('allowed');
  });

  it('with an allow list, refuses every type it does not match', () => {
    const policy = new MimePolicy(['text/*', 'image/png'], []);
    expect(verdict(policy, 'text/plain')).toBe('allowed');
    expect(verdict(policy, 'text/markdown')).toBe('allowed');
    expect(verdict(policy, 'image/png')).toBe('allowed');
    expect(verdict(policy, 'image/jpeg')).toBe('refused');
    expect(verdict(policy, 'application/pdf')).toBe('refused');
    expect(verdict(policy, 'application/octet-stream')).toBe('refused');
  });

  it('deny wins over allow', () => {
    const policy = new MimePolicy(['image/*'], ['image/gif']);
    expect(verdict(policy, 'image/png')).toBe('allowed');
    expect(verdict(policy, 'image/gif')).toBe('refused');
  });

  it('a deny list alone refuses only what it matches', () => {
    const policy = new MimePolicy([], ['application/x-msdownload', 'application/vnd.microsoft.portable-executable', 'video/*']);
    expect(verdict(policy, 'application/x-msdownload')).toBe('refused');
    expect(verdict(policy, 'video/mp4')).toBe('refused');
    expect(verdict(policy, 'application/pdf')).toBe('allowed');
    expect(verdict(policy, 'text/plain')).toBe('allowed');
  });

  it('"*" matches everything: denying it refuses all, allowing it allows all', () => {
    expect(verdict(new MimePolicy([], ['*']), 'text/plain')).toBe('refused');
    expect(verdict(new MimePolicy(['*'], []), 'application/x-anything')).toBe('allowed');
  });

  it('matches case-insensitively', () => {
    const policy = new MimePolicy(['Image/PNG'], ['TEXT/*']);
    expect(verdict(policy, 'image/png')).toBe('allowed');
    expect(verdict(policy, 'IMAGE/Png')).toBe('allowed');
    expect(verdict(policy, 'text/plain')).toBe('refused');
  });

  it('a glob is never a prefix match: image/* does not match imagex/png, text/plain does not match text/plainx', () => {
    const policy = new MimePolicy(['image/*', 'text/plain'], []);
    expect(verdict(policy, 'imagex/png')).toBe('refused');
    expect(verdict(policy, 'text/plainx')).toBe('refused');
    expect(verdict(policy, 'application/image')).toBe('refused');
  });

  it('names the refused type in the message', () => {
    expect(() => new MimePolicy(['text/*'], []).check('application/pdf')).toThrow(/application\/pdf/);
  });

  it('isMimeGlob accepts types and globs, and nothing else', () => {
    for (const glob of ['*', 'image/*', 'application/pdf', 'image/svg+xml', 'application/vnd.ms-excel', 'text/x-c++']) expect(isMimeGlob(glob), glob).toBe(true);
    for (const text of ['', 'image', 'image/', '/png', '*/png', 'image/**', 'image/png; charset=utf-8', 'image /png', 'a/b/c', '../etc']) expect(isMimeGlob(text), text).toBe(false);
  });
});
