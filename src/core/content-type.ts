// What type an item is, and how it may be served. Detection never trusts the client's claim over
// the bytes, and nothing a browser would execute (HTML, SVG, XML, JS) is ever served as such.

const ACTIVE = [
  /^text\/html$/,
  /^application\/xhtml\+xml$/,
  /^image\/svg\+xml$/,
  /^(text|application)\/xml$/,
  /\+xml$/,
  // Every JavaScript MIME type browsers execute (WHATWG list: javascript1.0-1.5, livescript, jscript ...).
  /^(text|application)\/(x-)?(javascript|ecmascript|jscript|livescript)[0-9.]*$/,
  /^application\/x-shockwave-flash$/,
  /^text\/xsl$/,
];

export function isActiveType(mime: string): boolean {
  return ACTIVE.some((pattern) => pattern.test(mime));
}

const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const MIME_SHAPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

/** Lowercased type/subtype without parameters, or null when the claim is not a plausible MIME type. */
export function normalizeClaimedType(claim: string | undefined): string | null {
  if (!claim) return null;
  const bare = (claim.split(';')[0] ?? '').trim().toLowerCase();
  return MIME_SHAPE.test(bare) ? bare : null;
}

export interface Detection {
  /** MIME type found from magic bytes, if any. */
  magic: string | null;
  /** Whether the whole content is valid UTF-8 (and has no NUL bytes). */
  utf8: boolean;
  /** The first bytes, for recognising markup in text. */
  head: Buffer;
  /** What the client said (Content-Type or multipart part type). */
  claimed: string | null;
}

/**
 * Decides the recorded type of an item: magic bytes win; otherwise text (valid UTF-8) keeps a
 * textual claim or is sniffed for markup; anything else is application/octet-stream.
 */
export function decideType(d: Detection): string {
  if (d.magic) return d.magic;
  if (!d.utf8) return 'application/octet-stream';
  const sniffed = sniffMarkup(d.head);
  if (sniffed) return sniffed;
  if (d.claimed && (d.claimed.startsWith('text/') || TEXTUAL_APPLICATION.has(d.claimed))) return d.claimed;
  return 'text/plain';
}

const TEXTUAL_APPLICATION = new Set(['application/json', 'application/x-ndjson', 'application/yaml', 'application/toml', 'application/x-sh']);

function sniffMarkup(head: Buffer): string | null {
  const start = head.subarray(0, 1024).toString('utf8').replace(/^\ufeff/, '').trimStart().slice(0, 512).toLowerCase();
  if (/^<svg[\s>]/.test(start) || (/^<\?xml/.test(start) && start.includes('<svg'))) return 'image/svg+xml';
  if (/^<!doctype html|^<html[\s>]|^<head[\s>]|^<body[\s>]|^<script[\s>]/.test(start)) return 'text/html';
  if (/^<\?xml/.test(start)) return 'application/xml';
  return null;
}

/**
 * The Content-Type header for serving an item: active types are defused to text/plain, text gets
 * an explicit charset so browsers never guess.
 */
export function servedType(recorded: string): string {
  if (isActiveType(recorded)) return 'text/plain; charset=utf-8';
  if (recorded.startsWith('text/')) return `${recorded}; charset=utf-8`;
  if (recorded === 'application/json') return 'application/json; charset=utf-8';
  return recorded;
}

/** inline only for text and a few raster image types; everything else downloads. */
export function dispositionKind(recorded: string): 'inline' | 'attachment' {
  if (isActiveType(recorded)) return 'inline';
  if (recorded.startsWith('text/') || INLINE_IMAGES.has(recorded)) return 'inline';
  return 'attachment';
}

/** Text types for previews. */
export function isTextual(recorded: string): boolean {
  return recorded.startsWith('text/') || TEXTUAL_APPLICATION.has(recorded) || isActiveType(recorded);
}
