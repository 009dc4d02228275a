// The page shell: the one HTML document the server writes. Built once at start from the manifest
// and the configuration; it never contains anything from a request (URL, id, query, headers).
import type { WebManifest } from './web-assets.js';

/** The page's own Content-Security-Policy (docs/web.md explains each directive). */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "require-trusted-types-for 'script'",
  'trusted-types sealbin',
].join('; ');

/** Escaping for attribute values and text, although every input is already a checked plain token. */
function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The shell for this URL prefix (SEALBIN_URL_PREFIX, "" or like "/paste").
 * @example renderShell(manifest, '').includes('<main id="app"></main>')
 */
export function renderShell(manifest: WebManifest, prefix: string): string {
  const asset = (file: string) => escapeHtml(`${prefix}/web/${file}`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<title>Sealbin</title>',
    `<meta name="sealbin-base" content="${escapeHtml(prefix)}">`,
    `<meta name="sealbin-worker" content="${asset(manifest.worker.file)}">`,
    `<link rel="stylesheet" href="${asset(manifest.style.file)}" integrity="${escapeHtml(manifest.style.integrity)}">`,
    `<script type="module" src="${asset(manifest.script.file)}" integrity="${escapeHtml(manifest.script.integrity)}"></script>`,
    '</head>',
    '<body><main id="app"></main><noscript>This page needs JavaScript: it encrypts and decrypts in your browser. Without it, use the fpaste command-line client.</noscript></body>',
    '</html>',
    '',
  ].join('\n');
}
