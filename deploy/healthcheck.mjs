// Container HEALTHCHECK: GET /health on the local server; healthy only on 200 (503 = a backend failed).
// Follows the server's own settings, so changing SEALBIN_PORT, SEALBIN_URL_PREFIX or TLS keeps it right.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const env = process.env;
const listen = env.SEALBIN_HOST ?? '127.0.0.1';
// Wildcard listeners answer on loopback; a specific address must be asked on that address.
const host = ['0.0.0.0', '::', '[::]', ''].includes(listen) ? '127.0.0.1' : listen.replace(/^\[(.*)\]$/, '$1');
const tls = (env.SEALBIN_TLS_CERT ?? '') !== '';
const prefix = (env.SEALBIN_URL_PREFIX ?? '').replace(/\/+$/, '');

const req = (tls ? httpsRequest : httpRequest)(
  {
    host,
    port: Number(env.SEALBIN_PORT ?? '8080'),
    path: `${prefix}/health`,
    method: 'GET',
    timeout: 4000,
    // Our own server over loopback: its certificate names the public host, not 127.0.0.1.
    rejectUnauthorized: false,
  },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (error) => {
  console.error(`healthcheck: ${error.message}`);
  process.exit(1);
});
req.end();
