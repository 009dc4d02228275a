// Route schemas: which wire shape (src/api/) each route answers with, its parameters and headers,
// and what GET /openapi.json says about it. Fastify validates params, querystring and headers and
// serialises responses through these. Ids and keys are plain strings here on purpose: a malformed
// one must be a 404 from the handler, not a 400.
//
// `requestBody` and `responseHeaders` are documentation only (see openapi-route.ts): creation bodies
// are streamed (raw, multipart) or parsed by the handlers with the same src/api definitions, after
// the checks that must come first (identity, proof of work).
import { z } from 'zod';
import { challengeJson } from '../api/challenge.js';
import { errorJson } from '../api/error.js';
import { createJsonBody, createdItemJson, itemJson, itemListJson, sharePreviewJson, shareStatusJson } from '../api/items.js';
import { caRequestJson, certificateJson, certificateListJson, issuedCertificateJson, issueRequestJson, pkiStatusJson, registerRequestJson } from '../api/pki.js';
import { healthJson, serverInfoJson } from '../api/server-info.js';
import { shortenJsonBody, shortLinkInfoJson, shortLinkJson, shortLinkListJson } from '../api/short-links.js';

/** Media types of a documented request body (documentation only). */
export interface RequestBodyDoc {
  description: string;
  content: Record<string, z.ZodType>;
}

/** The browser page answers this GET instead when Accept prefers text/html (documentation only; routes/web.ts). */
const PAGE = 'The browser page (when SEALBIN_WEB is on and Accept names text/html and prefers it to application/json): a fixed HTML shell that loads /web/ scripts; it never looks the item up, so it never burns';

/** Response headers worth knowing, per status: name -> description (documentation only). */
export type ResponseHeadersDoc = Record<number, Record<string, string>>;

/** Security requirements (names from openapi.ts). `{}` = anonymous allowed. */
type Security = readonly Readonly<Record<string, readonly string[]>>[];
const ANONYMOUS_OR_CERTIFICATE: Security = [{}, { clientCertificate: [] }];
const CERTIFICATE: Security = [{ clientCertificate: [] }];
const OWNER_OR_DELETE_TOKEN: Security = [{ clientCertificate: [] }, { deleteToken: [] }];

const binary = z.string().meta({ format: 'binary' });

/** Any byte content: a paste's raw body, a download, the CLI bundle. */
const anyContent = (description: string) => ({ description, content: { '*/*': { schema: binary } } });
// HEAD answers and 204/302 have no body; HEAD errors keep the error schema (the same headers as GET).
const noBody = (description: string) => z.null().describe(description);

const idParams = z.object({ id: z.string().describe('32 lowercase hex characters') });
const keyParams = z.object({ key: z.string().describe('six diceware words joined by -') });
const shortIdParams = z.object({ id: z.string().describe('8 base62 characters') });

const powHeaders = {
  'x-pow-token': z.string().optional().describe('the token of a solved GET /challenge (required while proof of work is on)'),
  'x-pow-solution': z.string().optional().describe('the decimal solution s'),
};

const createHeaders = z.object({
  'x-expiry': z.string().optional().describe('seconds from now, ≥ 1; clamped to the maximum; absent = the default expiry'),
  'x-burn-after-read': z.string().optional().describe('1|true (burn after the first read) or 0|false'),
  'x-max-downloads': z.string().optional().describe('1..1000: complete downloads before the item is removed and shredded (not with X-Burn-After-Read: 1)'),
  'x-filename': z.string().optional().describe('a filename (sanitised); percent-encoded UTF-8 is decoded'),
  'x-filename*': z.string().optional().describe("RFC 8187 filename, e.g. UTF-8''gr%C3%BC%C3%9Fe.txt; wins over X-Filename"),
  ...powHeaders,
});

const contentBody: RequestBodyDoc = {
  description: 'The content: raw bytes (any Content-Type), a multipart "file" part, or JSON {"content": "..."}',
  content: {
    '*/*': binary,
    'multipart/form-data': z.object({ file: binary }),
    'application/json': createJsonBody,
  },
};

const rangeHeaders = z.object({ range: z.string().optional().describe('bytes=start-end (one range)') });

const errors = { 400: errorJson, 404: errorJson, 413: errorJson, 500: errorJson };
const authErrors = { 401: errorJson, 403: errorJson };

const CONTENT_HEADERS = {
  'Content-Disposition': 'inline (text, PNG/JPEG/GIF/WebP) or attachment, with the sanitised filename (RFC 6266)',
  ETag: 'a quoted keyed tag of the item and its content (not its SHA-256)',
  'X-Content-SHA256': 'the SHA-256 of the whole content; for an item with limited reads (burn after read, a download limit) only on a GET that spends a read',
  'Accept-Ranges': 'bytes, or none for an item with limited reads',
  'X-Downloads-Remaining': 'on a GET that spends a read of a limited item: the complete reads left after it (0: this was the last)',
};
const contentHeaders: ResponseHeadersDoc = { 200: CONTENT_HEADERS, 206: { ...CONTENT_HEADERS, 'Content-Range': 'bytes start-end/size' } };
const headContentHeaders: ResponseHeadersDoc = { 200: { ...CONTENT_HEADERS, 'Content-Length': 'the size of the content' } };
const createdHeaders: ResponseHeadersDoc = { 201: { Location: 'the item\'s metadata URL (never burns)' } };
const CLIENT_HEADERS = { 'Content-Disposition': 'attachment; filename=fpaste', 'X-Content-SHA256': 'the SHA-256 of the bundle (check with sha256sum)', ETag: 'the quoted SHA-256 of the bundle' };

const rawContent = {
  200: anyContent('The content (Content-Type is the detected, safe type; X-Content-SHA256 is its SHA-256)'),
  206: anyContent('The requested range'),
};

const tusIdParams = z.object({ id: z.string().describe('the upload id from Location: 32 lowercase hex characters') });
const TUS_STATE = {
  'Tus-Resumable': '1.0.0 (on every /tus answer)',
  'Upload-Offset': 'the bytes stored durably so far',
  'Upload-Length': 'the declared length (or Upload-Defer-Length: 1 while it is deferred)',
  'Upload-Expires': 'when the partial upload is shredded unless completed (RFC 9110 date; SEALBIN_TUS_EXPIRY after creation)',
};
const tusErrors = { 400: errorJson, 404: errorJson, 412: errorJson, 429: errorJson };
/** HEAD, PATCH, DELETE: a request for the upload on another instance did not stop in time (UPLOAD_LOCKED). */
const tusLocked = { 423: errorJson };

/** What a completed upload became: on the final PATCH, and on its creator's HEAD for 10 minutes after. */
const TUS_COMPLETION = {
  'X-Sealbin-Id': 'on completion: the item id',
  'X-Sealbin-Key': 'on completion: the diceware download key (shown to the creator only)',
  'X-Sealbin-Url': 'on completion: the item metadata URL',
  'X-Sealbin-Download-Url': 'on completion: /download/{key}',
  'X-Sealbin-Delete-Token': 'on completion of an anonymous upload: the delete token (shown to the creator only)',
};

export const schemas = {
  createPaste: {
    operationId: 'createPaste',
    summary: 'Create a paste from a raw body, a multipart "file" part or JSON {"content": ...}',
    tags: ['pastes'],
    security: ANONYMOUS_OR_CERTIFICATE,
    headers: createHeaders,
    requestBody: contentBody,
    responseHeaders: createdHeaders,
    response: { 201: createdItemJson, ...errors },
  },
  updatePaste: {
    operationId: 'updatePaste',
    summary: 'Replace content and/or metadata (owner or admin)',
    tags: ['pastes'],
    security: CERTIFICATE,
    params: idParams,
    headers: createHeaders,
    requestBody: { ...contentBody, description: `${contentBody.description}; without a body only the headers apply` },
    response: { 200: itemJson, 400: errorJson, ...authErrors, 404: errorJson, 413: errorJson },
  },
  getPaste: { operationId: 'getPaste', summary: 'Paste metadata (never burns); browsers get the page', tags: ['pastes'], params: idParams, htmlPage: PAGE, response: { 200: itemJson, 404: errorJson } },
  headPaste: { operationId: 'headPaste', summary: 'Paste metadata headers', tags: ['pastes'], params: idParams, response: { 200: noBody('Headers of GET /{id}'), 404: errorJson } },
  getRaw: { operationId: 'getRaw', summary: 'Paste content (spends a read of a limited paste: burn after read, X-Max-Downloads; never for link-preview bots; Range supported)', tags: ['pastes'], params: idParams, headers: rangeHeaders, responseHeaders: contentHeaders, response: { ...rawContent, 404: errorJson, 416: errorJson, 500: errorJson } },
  headRaw: { operationId: 'headRaw', summary: 'Paste content headers (never burns)', tags: ['pastes'], params: idParams, responseHeaders: headContentHeaders, response: { 200: noBody('Headers of GET /{id}/raw'), 404: errorJson } },
  tusOptions: {
    operationId: 'tusOptions',
    summary: 'tus capabilities: Tus-Version, Tus-Extension (creation, creation-defer-length, termination, expiration), Tus-Max-Size',
    tags: ['resumable uploads'],
    response: { 204: noBody('Capabilities, in headers') },
  },
  tusOptionsUpload: {
    operationId: 'tusOptionsUpload',
    summary: 'tus capabilities, asked at an upload URL (the same answer as OPTIONS /tus)',
    tags: ['resumable uploads'],
    params: tusIdParams,
    response: { 204: noBody('Capabilities, in headers') },
  },
  tusCreate: {
    operationId: 'tusCreate',
    summary: 'Start a resumable upload (a creation: proof of work, create budget, disk floor, quotas); exactly one of Upload-Length and Upload-Defer-Length',
    tags: ['resumable uploads'],
    security: ANONYMOUS_OR_CERTIFICATE,
    // All optional strings but Tus-Resumable (checked before validation, 412 otherwise): validation
    // adds no refusal of its own, the handler keeps the answers docs/api.md describes.
    headers: z.object({
      'tus-resumable': z.string().describe('1.0.0 (anything else, or none: 412 TUS_VERSION_UNSUPPORTED)'),
      'upload-length': z.string().optional().describe('the total size in bytes, 1..SEALBIN_MAX_SIZE (over it: 413 TOO_LARGE at once)'),
      'upload-defer-length': z.string().optional().describe('1: the length is set by a later PATCH (instead of Upload-Length)'),
      'upload-metadata': z.string().optional().describe('comma-separated "key base64value" pairs: filename, filetype, expiry, burn_after_read, max_downloads (the X- headers win)'),
      'x-expiry': createHeaders.shape['x-expiry'],
      'x-burn-after-read': createHeaders.shape['x-burn-after-read'],
      'x-max-downloads': createHeaders.shape['x-max-downloads'],
      'x-filename': createHeaders.shape['x-filename'],
      ...powHeaders,
    }),
    responseHeaders: { 201: { Location: 'the upload URL, /tus/{id}; only its creator (same certificate, or same address group) may use it', ...TUS_STATE } },
    response: { 201: noBody('Created'), ...tusErrors, 413: errorJson, 507: errorJson },
  },
  tusHead: {
    operationId: 'tusHead',
    summary: 'Where a resumable upload stands (its creator only; anyone else gets 404). For 10 minutes after completion, the instance that completed it repeats the final PATCH\'s X-Sealbin-* headers',
    tags: ['resumable uploads'],
    params: tusIdParams,
    responseHeaders: { 200: { ...TUS_STATE, ...TUS_COMPLETION } },
    response: { 200: noBody('Upload state, in headers'), ...tusErrors, ...tusLocked },
  },
  tusPatch: {
    operationId: 'tusPatch',
    summary: 'Append bytes at Upload-Offset (Content-Type: application/offset+octet-stream; Upload-Length once, if deferred). The PATCH that completes the upload creates a file share as POST /upload does',
    tags: ['resumable uploads'],
    params: tusIdParams,
    requestBody: { description: 'The next bytes of the upload', content: { 'application/offset+octet-stream': binary } },
    responseHeaders: {
      204: { ...TUS_STATE, ...TUS_COMPLETION },
    },
    response: { 204: noBody('Stored (and, at the last byte, created)'), ...tusErrors, 409: errorJson, 413: errorJson, 415: errorJson, ...tusLocked, 507: errorJson },
  },
  tusDelete: {
    operationId: 'tusTerminate',
    summary: 'Terminate a resumable upload: its bytes are shredded (its creator only)',
    tags: ['resumable uploads'],
    params: tusIdParams,
    response: { 204: noBody('Terminated'), ...tusErrors, ...tusLocked },
  },
  deletePaste: {
    operationId: 'deletePaste',
    summary: 'Delete and shred (X-Delete-Token, owner or admin)',
    tags: ['pastes'],
    security: OWNER_OR_DELETE_TOKEN,
    params: idParams,
    response: { 204: noBody('Deleted'), ...authErrors, 404: errorJson },
  },
  upload: {
    operationId: 'uploadFile',
    summary: 'Share a file; returns a diceware download key',
    tags: ['files'],
    security: ANONYMOUS_OR_CERTIFICATE,
    headers: createHeaders,
    requestBody: { description: 'The file: a multipart "file" part, or the raw body', content: { 'multipart/form-data': z.object({ file: binary }), '*/*': binary } },
    responseHeaders: createdHeaders,
    response: { 201: createdItemJson, ...errors },
  },
  download: { operationId: 'downloadFile', summary: 'Download a shared file (spends a read of a limited share: burn after read, X-Max-Downloads; never for link-preview bots); browsers get the page', tags: ['files'], params: keyParams, htmlPage: PAGE, headers: rangeHeaders, responseHeaders: contentHeaders, response: { ...rawContent, 404: errorJson, 416: errorJson, 500: errorJson } },
  headDownload: { operationId: 'headDownload', summary: 'Shared file headers (never burns)', tags: ['files'], params: keyParams, responseHeaders: headContentHeaders, response: { 200: noBody('Headers of GET /download/{key}'), 404: errorJson } },
  preview: { operationId: 'previewFile', summary: 'Safe preview: metadata and up to 1 KiB of text (never burns; no text for burn-after-read shares)', tags: ['files'], params: keyParams, response: { 200: sharePreviewJson, 404: errorJson } },
  status: { operationId: 'fileStatus', summary: 'Shared file metadata', tags: ['files'], params: keyParams, response: { 200: shareStatusJson, 404: errorJson } },
  info: { operationId: 'serverInfo', summary: 'Server information; browsers get the page', tags: ['operations'], htmlPage: PAGE, response: { 200: serverInfoJson } },
  health: {
    operationId: 'health',
    summary: 'Health of the server and its backends',
    tags: ['operations'],
    response: {
      200: healthJson,
      // 503 is either the health body naming the failing check, or an error (e.g. the counter backend refused).
      503: z.union([healthJson, errorJson]).describe('A backend is down (the health body names it), or BACKEND_UNAVAILABLE'),
    },
  },
  openapi: { operationId: 'openapi', summary: 'This OpenAPI document', tags: ['operations'], response: { 200: z.looseObject({ openapi: z.string() }).describe('OpenAPI 3.1 document') } },
  metrics: {
    operationId: 'metrics',
    summary: 'Prometheus metrics (SEALBIN_METRICS_ALLOW only)',
    tags: ['operations'],
    response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } }, 403: errorJson },
  },
  client: { operationId: 'getClient', summary: 'The fpaste command-line client as one file (runs on Node.js 20+)', tags: ['operations'], responseHeaders: { 200: CLIENT_HEADERS }, response: { 200: anyContent('application/octet-stream: the bundled fpaste.js (X-Content-SHA256: its SHA-256)'), 500: errorJson } },
  headClient: { operationId: 'headClient', summary: 'Headers of GET /client', tags: ['operations'], responseHeaders: { 200: CLIENT_HEADERS }, response: { 200: noBody('Headers of GET /client'), 500: errorJson } },
  pkiCa: {
    operationId: 'createCa',
    summary: 'Create the CA (admin, or loopback while none exists)',
    tags: ['pki'],
    security: ANONYMOUS_OR_CERTIFICATE,
    requestBody: { description: 'Optional; defaults: "Sealbin CA", 3650 days', content: { 'application/json': caRequestJson } },
    response: { 201: pkiStatusJson, 400: errorJson, ...authErrors, 409: errorJson },
  },
  pkiStatus: { operationId: 'pkiStatus', summary: 'PKI status', tags: ['pki'], response: { 200: pkiStatusJson } },
  caCertificate: {
    operationId: 'caCertificate',
    summary: 'The CA certificate',
    tags: ['pki'],
    response: { 200: { description: 'PEM', content: { 'application/x-pem-file': { schema: z.string() } } }, 409: errorJson },
  },
  crl: {
    operationId: 'crl',
    summary: 'The current certificate revocation list',
    tags: ['pki'],
    response: { 200: { description: 'PEM', content: { 'application/x-pem-file': { schema: z.string() } } }, 409: errorJson },
  },
  pkiIssue: {
    operationId: 'issueCertificate',
    summary: 'Issue a client certificate (admin); with a CSR no private key exists on the server',
    tags: ['pki'],
    security: CERTIFICATE,
    requestBody: { description: 'The certificate to issue', content: { 'application/json': issueRequestJson } },
    response: { 201: issuedCertificateJson, 400: errorJson, ...authErrors, 409: errorJson },
  },
  pkiCerts: { operationId: 'listCertificates', summary: 'Every issued certificate (admin)', tags: ['pki'], security: CERTIFICATE, response: { 200: certificateListJson, ...authErrors } },
  pkiRevoke: {
    operationId: 'revokeCertificate',
    summary: 'Revoke a certificate (admin)',
    tags: ['pki'],
    security: CERTIFICATE,
    params: z.object({ serial: z.string().describe('lowercase hex') }),
    response: { 200: certificateJson, ...authErrors, 404: errorJson },
  },
  registerChallenge: { operationId: 'registerChallenge', summary: 'A registration proof-of-work challenge', tags: ['pki'], response: { 200: challengeJson } },
  register: {
    operationId: 'register',
    summary: 'Self-registration with a solved challenge: a non-admin certificate',
    tags: ['pki'],
    headers: z.object(powHeaders),
    requestBody: { description: 'The certificate to issue', content: { 'application/json': registerRequestJson } },
    response: { 201: issuedCertificateJson, 400: errorJson, 409: errorJson, 429: errorJson },
  },
  listPastes: {
    operationId: 'listPastes',
    summary: 'List own items (admin: all=1 lists everyone\'s)',
    tags: ['pastes'],
    security: CERTIFICATE,
    querystring: z.object({
      type: z.string().optional().describe('MIME glob, e.g. image/*'),
      after: z.string().optional().describe('Unix seconds'),
      before: z.string().optional().describe('Unix seconds'),
      limit: z.string().optional().describe('1..200, default 50'),
      cursor: z.string().optional().describe('next_cursor of the previous page'),
      all: z.string().optional().describe('1|true: every owner\'s items (admin)'),
    }),
    response: { 200: itemListJson, 400: errorJson, ...authErrors },
  },
  createShort: {
    operationId: 'createShortLink',
    summary: 'Shorten an http(s) URL: JSON {"url"} or the URL as text',
    tags: ['short'],
    security: ANONYMOUS_OR_CERTIFICATE,
    headers: z.object({ 'x-expiry': createHeaders.shape['x-expiry'], 'x-max-downloads': z.string().optional().describe('1..1000: redirects before the link is removed'), ...powHeaders }),
    requestBody: { description: 'The URL', content: { 'application/json': shortenJsonBody, 'text/plain': z.string().describe('the URL (one trailing newline allowed)') } },
    responseHeaders: { 201: { Location: 'the short URL' } },
    response: { 201: shortLinkJson, 400: errorJson, 415: errorJson, 429: errorJson },
  },
  listShort: { operationId: 'listShortLinks', summary: 'Own short links', tags: ['short'], security: CERTIFICATE, response: { 200: shortLinkListJson, ...authErrors } },
  redirectShort: { operationId: 'followShortLink', summary: 'Redirect (302) to the target; counts a click', tags: ['short'], params: shortIdParams, responseHeaders: { 302: { Location: 'the target URL' } }, response: { 200: { description: 'A known link-preview agent asking for a link with limited redirects: a plain-text notice, nothing counted', content: { 'text/plain': { schema: z.string() } } }, 302: noBody('Location: the target'), 404: errorJson } },
  infoShort: { operationId: 'shortLinkInfo', summary: 'Short link details', tags: ['short'], params: shortIdParams, response: { 200: shortLinkInfoJson, 404: errorJson } },
  deleteShort: { operationId: 'deleteShortLink', summary: 'Delete a short link (owner or admin)', tags: ['short'], security: CERTIFICATE, params: shortIdParams, response: { 204: noBody('Deleted'), ...authErrors, 404: errorJson } },
  challenge: {
    operationId: 'getChallenge',
    summary: 'A proof-of-work challenge: find s with SHA-256(nonce + ":" + s) having `difficulty` leading zero bits',
    tags: ['abuse'],
    querystring: z.object({ purpose: z.string().optional().describe('optional and ignored: one token serves any creation ("create"; "paste" and "short" are accepted aliases)') }),
    response: { 200: challengeJson, 400: errorJson, 429: errorJson },
  },
};
