// The page shell (issue 14): the agreed document, built from the manifest and the prefix only.
import { describe, expect, it } from 'vitest';
import { PAGE_CSP, renderShell } from '../../../src/http/web-shell.js';
import type { WebManifest } from '../../../src/http/web-assets.js';
import { EXPECTED_PAGE_CSP, shellParts } from '../../helpers/web.js';

const manifest: WebManifest = {
  script: { file: 'app-AAAA1111.js', integrity: `sha384-${'A'.repeat(64)}` },
  style: { file: 'app-BBBB2222.css', integrity: `sha384-${'B'.repeat(64)}` },
  worker: { file: 'pow-worker-CCCC3333.js' },
  gzip_bytes: 123,
};

describe('renderShell', () => {
  it('names the files, their integrity and the prefix, and has no inline code', () => {
    const shell = renderShell(manifest, '/paste');
    const parts = shellParts(shell);
    expect(parts).toEqual({
      base: '/paste',
      worker: '/paste/web/pow-worker-CCCC3333.js',
      style: '/paste/web/app-BBBB2222.css',
      styleIntegrity: manifest.style.integrity,
      script: '/paste/web/app-AAAA1111.js',
      scriptIntegrity: manifest.script.integrity,
    });
    expect(shell.startsWith('<!doctype html>\n')).toBe(true);
    expect(shell).toContain('<body><main id="app"></main><noscript>');
    expect(shell).not.toMatch(/<script>|<style|\son[a-z]+=/i);
  });

  it('with no prefix the URLs start at /web', () => {
    const parts = shellParts(renderShell(manifest, ''));
    expect(parts.base).toBe('');
    expect(parts.script).toBe('/web/app-AAAA1111.js');
  });

  it('is the exact CSP of the plan, without unsafe-*', () => {
    expect(PAGE_CSP).toBe(EXPECTED_PAGE_CSP);
    expect(PAGE_CSP).not.toMatch(/unsafe/);
  });
});
