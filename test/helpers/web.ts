// Helpers for the browser page's black-box tests: requests with an exact Accept header (or none at
// all; fetch always adds one) and an exact path (fetch and URL normalise `%2e%2e` and `..`).
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { expect } from 'vitest';

/** What Chromium (156) sends when navigating to a page. */
export const CHROMIUM_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
/** What Firefox (128+) sends when navigating to a page. */
export const FIREFOX_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** The page's Content-Security-Policy, exactly as the contract of issue 14 writes it. */
export const EXPECTED_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; require-trusted-types-for 'script'; trusted-types sealbin";

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/**
 * One request with node:http: the path is sent as given (no normalisation) and `accept` undefined
 * means no Accept header at all.
 */
export async function webRequest(base: string, path: string, accept?: string, method = 'GET'): Promise<WebResponse> {
  const { hostname, port } = new URL(base);
  const headers: Record<string, string> = accept === undefined ? {} : { accept };
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port: Number(port), path, method, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text: body.toString('utf8') });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

export function sri(bytes: Buffer): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** Reads the asset URLs and integrity values out of a shell (attributes in the order the server writes them). */
export function shellParts(shell: string): { base: string; worker: string; style: string; styleIntegrity: string; script: string; scriptIntegrity: string } {
  const base = /<meta name="sealbin-base" content="([^"]*)">/.exec(shell);
  const worker = /<meta name="sealbin-worker" content="([^"]+)">/.exec(shell);
  const style = /<link rel="stylesheet" href="([^"]+)" integrity="([^"]+)">/.exec(shell);
  const script = /<script type="module" src="([^"]+)" integrity="([^"]+)"><\/script>/.exec(shell);
  expect(base, 'sealbin-base meta').not.toBeNull();
  expect(worker, 'sealbin-worker meta').not.toBeNull();
  expect(style, 'stylesheet link').not.toBeNull();
  expect(script, 'module script').not.toBeNull();
  return { base: base![1]!, worker: worker![1]!, style: style![1]!, styleIntegrity: style![2]!, script: script![1]!, scriptIntegrity: script![2]! };
}
