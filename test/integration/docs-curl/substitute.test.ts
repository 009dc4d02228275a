// Substitution must change only the documented host, the placeholders and absolute output paths.
import { describe, expect, it } from 'vitest';
import { pathsIn, placeholdersIn, substitute } from './substitute.js';

const BASE = 'http://127.0.0.1:41234';
const VALUES = { pasteId: 'a'.repeat(32), deleteToken: 'tok-en_1', fileKey: 'one-two-three-four-five-six', shortId: 'Ab12Cd34' };

describe('making a documented command runnable here', () => {
  it('replaces the documented hosts and the ID, TOKEN and KEY placeholders', () => {
    expect(substitute("curl -s -X DELETE -H 'X-Delete-Token: TOKEN' http://127.0.0.1:8080/ID", BASE, VALUES)).toBe(`curl -s -X DELETE -H 'X-Delete-Token: tok-en_1' ${BASE}/${'a'.repeat(32)}`);
    expect(substitute('curl -s https://paste.example.org/download/KEY', BASE, VALUES)).toBe(`${'curl -s '}${BASE}/download/one-two-three-four-five-six`);
  });

  it('reads ID under /s/ as a short-link id', () => {
    expect(placeholdersIn('curl -s http://127.0.0.1:8080/s/ID/info')).toEqual(['shortId']);
    expect(substitute('curl -s http://127.0.0.1:8080/s/ID/info', BASE, VALUES)).toBe(`curl -s ${BASE}/s/Ab12Cd34/info`);
  });

  it('leaves header names and variables that merely contain ID or KEY alone', () => {
    const command = "curl -s -H 'X-Request-ID: abc' -H \"X-PoW-Token: $TOKEN\" -H \"X-Other: ${TOKEN}\" http://127.0.0.1:8080/ # SEALBIN_MASTER_KEY";
    expect(placeholdersIn(command)).toEqual([]);
    expect(substitute(command, BASE, {})).toBe(command.replace('http://127.0.0.1:8080', BASE));
  });

  it('fails loudly when a placeholder has no value', () => {
    expect(() => substitute('curl -s http://127.0.0.1:8080/ID', BASE, {})).toThrow(/pasteId/);
  });

  it('writes absolute -o paths into the working directory', () => {
    expect(substitute('curl -s -o /etc/nginx/sealbin-ca.crt http://127.0.0.1:8080/pki/ca.crt', BASE, {})).toBe(`curl -s -o sealbin-ca.crt ${BASE}/pki/ca.crt`);
  });

  it('lists the paths a command requests', () => {
    expect(pathsIn(`curl -s ${BASE}/pki/ca.crt && curl -s ${BASE}`, BASE)).toEqual(['/pki/ca.crt', '/']);
  });
});
