// PKI request bodies are checked after the checks that must come first: who is asking (admin
// operations) and the proof of work (registration). A bad body never tells an unauthorised or
// unsolved caller anything, and never costs the server a body validation on their behalf.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectError } from '../../helpers/assertions.js';
import { startServer } from '../../helpers/server.js';
import type { RunningServer } from '../../helpers/server.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('PKI bodies are validated after authorisation and proof of work', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { SEALBIN_REGISTER_DIFFICULTY: '8' } });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('POST /pki/issue from an anonymous client with a bad body is 401 AUTH_REQUIRED, not 400', async () => {
    for (const body of ['{"days": "soon"}', '{}', '{"common_name": "\\u0007bell"}']) {
      await expectError(await fetch(`${server.url}/pki/issue`, { method: 'POST', headers: JSON_HEADERS, body }), 401, 'AUTH_REQUIRED');
    }
  });

  it('POST /register without a proof of work and with a bad body is 400 POW_REQUIRED', async () => {
    for (const body of ['{"days": 5}', '{}', '{"common_name": 7}']) {
      await expectError(await fetch(`${server.url}/register`, { method: 'POST', headers: JSON_HEADERS, body }), 400, 'POW_REQUIRED');
    }
  });
});
