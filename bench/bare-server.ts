// The baseline for the throughput ratios: the least a node:http server can do for the same requests.
// GET answers a fixed 1 KiB body; POST reads the whole body and answers 201 with a small JSON document
// (Sealbin's create answer is JSON too). Run as a child of bench/run.ts; BARE_PORT=0 picks a free port.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

const body = Buffer.alloc(1024, 'x');
let counter = 0;

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    req.on('end', () => {
      counter += 1;
      const json = JSON.stringify({ id: `${randomBytes(8).toString('hex')}${counter}`, size });
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
});

server.listen(Number(process.env.BARE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`bare node:http listening on http://127.0.0.1:${port}/`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
