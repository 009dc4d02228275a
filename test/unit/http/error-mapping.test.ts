// toAppError: every error Fastify, its parsers or a plugin can raise becomes a catalogue code with the
// catalogue's status; nothing unknown reaches a client as anything but INTERNAL_ERROR, and internal
// wording (stack, driver or plugin messages) never becomes the client's message.
import { describe, expect, it } from 'vitest';
import { AppError, ERRORS } from '../../../src/core/errors.js';
import { errorBody, toAppError } from '../../../src/http/error-reply.js';

const fastifyError = (code: string, statusCode?: number, message = `internal detail of ${code}`) => Object.assign(new Error(message), { code, statusCode });

describe('toAppError', () => {
  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 'TOO_LARGE', 413],
    ['FST_REQ_FILE_TOO_LARGE', 'TOO_LARGE', 413],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 'EMPTY', 400],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 'INVALID_JSON', 400],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'INVALID_REQUEST', 400],
    ['FST_ERR_BAD_URL', 'NOT_FOUND', 404],
    ['FST_ERR_ASYNC_CONSTRAINT', 'NOT_FOUND', 404],
    ['FST_INVALID_MULTIPART_CONTENT_TYPE', 'INVALID_MULTIPART', 400],
    ['FST_PARTS_LIMIT', 'INVALID_MULTIPART', 400],
    ['FST_FILES_LIMIT', 'INVALID_MULTIPART', 400],
    ['FST_FIELDS_LIMIT', 'INVALID_MULTIPART', 400],
    ['FST_PROTO_VIOLATION', 'INVALID_MULTIPART', 400],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'INVALID_REQUEST', 400],
  ])('%s → %s (%i)', (code, expected, status) => {
    const mapped = toAppError(fastifyError(code, 400));
    expect([mapped.code, mapped.status]).toEqual([expected, status]);
    expect(ERRORS[mapped.code].status).toBe(status);
    expect(mapped.message).not.toContain('internal detail');
  });

  it('names the forbidden keys when the JSON parser refuses a body (prototype poisoning)', () => {
    expect(toAppError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400)).message).toMatch(/__proto__, constructor/);
  });

  it('passes an AppError through as the same object', () => {
    const error = new AppError('NOT_FOUND', 'No such paste.');
    expect(toAppError(error)).toBe(error);
  });

  it('keeps a schema validation message as INVALID_REQUEST (it describes the request, not the server)', () => {
    const validation = Object.assign(new Error('body/expiry must be integer'), { validation: [{ message: 'must be integer' }], statusCode: 400 });
    const mapped = toAppError(validation);
    expect([mapped.code, mapped.message]).toEqual(['INVALID_REQUEST', 'body/expiry must be integer']);
  });

  it('keeps the meaning of other 4xx errors without their wording', () => {
    expect(toAppError(fastifyError('FST_SOMETHING_NEW', 413)).code).toBe('TOO_LARGE');
    expect(toAppError(fastifyError('FST_SOMETHING_NEW', 404)).code).toBe('NOT_FOUND');
    for (const status of [400, 405, 415, 431, 499]) {
      const mapped = toAppError(fastifyError('FST_SOMETHING_NEW', status));
      expect([mapped.code, mapped.status], String(status)).toEqual(['INVALID_REQUEST', 400]);
      expect(mapped.message).not.toContain('internal detail');
    }
  });

  it('makes everything else a 500 INTERNAL_ERROR that says nothing of the cause (also null and undefined)', () => {
    for (const error of [new Error('SELECT * FROM items failed at /srv/sealbin/data'), fastifyError('FST_SOMETHING_NEW', 500), fastifyError('FST_SOMETHING_NEW', 399), fastifyError('X', undefined), 'a string', undefined, null, 42]) {
      const mapped = toAppError(error);
      expect([mapped.code, mapped.status]).toEqual(['INTERNAL_ERROR', 500]);
      expect(mapped.message).toBe(ERRORS.INTERNAL_ERROR.message);
    }
  });
});

describe('errorBody', () => {
  it('is the contract shape: the extra fields, then code, message and request id that extras cannot override', () => {
    const error = new AppError('RATE_LIMITED', undefined, { retry_after: 7, error_code: 'SPOOFED', request_id: 'spoofed' });
    expect(errorBody(error, 'req-1')).toEqual({ retry_after: 7, error_code: 'RATE_LIMITED', message: ERRORS.RATE_LIMITED.message, request_id: 'req-1' });
  });
});
