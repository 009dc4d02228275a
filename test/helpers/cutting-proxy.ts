// An HTTP reverse proxy between a client under test and the real server, for interruptions the
// client must survive: it cuts the client's connection (and the request to the server) after N
// bytes of PATCH bodies, or holds the connection there until the test releases it (to kill the
// client or restart the server meanwhile), or loses the answer to an upload's final PATCH. It keeps its port when the server behind it changes, and
// can answer 404 for /tus as a server without resumable uploads would. It records every request.
import { createServer, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Upload-Offset of a tus request, when it had one. */
  offset: number | null;
  /** Body bytes forwarded to the server. */
  bytes: number;
}

interface Trigger {
  after: number;
  mode: 'cut' | 'hold';
  fired: () => void;
}

export interface CuttingProxy {
  url: string;
  /** Base URL of the server behind (changeable: a restarted server listens elsewhere). */
  upstream: string;
  /** Answer /tus with 404 JSON, as a server without resumable uploads. */
  blockTus: boolean;
  readonly requests: ProxiedRequest[];
  /** PATCH body bytes forwarded so far. */
  patchBytes(): number;
  /** After `bytes` more PATCH body bytes, close the client's connection and the server request. */
  cutAfter(bytes: number): Promise<void>;
  /** After `bytes` more PATCH body bytes, stop forwarding and keep the connection open; resolves when reached. */
  holdAfter(bytes: number): Promise<void>;
  /** Closes a held connection (the client sees a reset). */
  release(): void;
  /** Loses the answer to the next PATCH that completes an upload: the server finished it, the client sees its connection cut. */
  dropCompletion(): Promise<void>;
  close(): Promise<void>;
}

export async function startCuttingProxy(upstream: string): Promise<CuttingProxy> {
  let trigger: Trigger | null = null;
  let counted = 0;
  let held: (() => void) | null = null;
  let dropping: (() => void) | null = null;
  const requests: ProxiedRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const offsetHeader = req.headers['upload-offset'];
    const record: ProxiedRequest = { method: req.method ?? 'GET', path, offset: typeof offsetHeader === 'string' ? Number(offsetHeader) : null, bytes: 0 };
    requests.push(record);
    if (proxy.blockTus && /^\/tus(\/|$|\?)/.test(path)) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error_code: 'NOT_FOUND', message: 'Not found.', request_id: 'proxy' }));
      return;
    }
    const target = new URL(path, proxy.upstream);
    const upstreamRequest: ClientRequest = httpRequest(target, { method: req.method, headers: req.headers }, (upstreamResponse) => {
      if (dropping && record.method === 'PATCH' && upstreamResponse.headers['x-sealbin-id'] !== undefined) {
        const dropped = dropping;
        dropping = null;
        upstreamResponse.resume();
        req.socket.destroy();
        dropped();
        return;
      }
      res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      upstreamResponse.pipe(res);
    });
    upstreamRequest.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway');
      } else res.destroy();
    });
    const stop = (): void => {
      req.socket.destroy();
      upstreamRequest.destroy();
    };
    req.on('data', (chunk: Buffer) => {
      if (record.method === 'PATCH' && trigger) {
        const room = trigger.after - counted;
        if (chunk.length >= room) {
          const { mode, fired } = trigger;
          trigger = null;
          const head = chunk.subarray(0, room);
          counted += head.length;
          record.bytes += head.length;
          req.pause();
          // The bytes before the mark reach the server before the connection goes.
          upstreamRequest.write(head, () => {
            if (mode === 'cut') stop();
            else held = stop;
            fired();
          });
          return;
        }
      }
      if (record.method === 'PATCH') counted += chunk.length;
      record.bytes += chunk.length;
      if (!upstreamRequest.write(chunk)) {
        req.pause();
        upstreamRequest.once('drain', () => req.resume());
      }
    });
    req.on('end', () => upstreamRequest.end());
    req.on('aborted', () => upstreamRequest.destroy());
  };

  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const arm = (bytes: number, mode: 'cut' | 'hold'): Promise<void> =>
    new Promise<void>((resolve) => {
      trigger = { after: counted + bytes, mode, fired: resolve };
    });

  const proxy: CuttingProxy = {
    url: `http://127.0.0.1:${port}`,
    upstream,
    blockTus: false,
    requests,
    patchBytes: () => counted,
    cutAfter: (bytes) => arm(bytes, 'cut'),
    holdAfter: (bytes) => arm(bytes, 'hold'),
    release: () => {
      held?.();
      held = null;
    },
    dropCompletion: () =>
      new Promise<void>((resolve) => {
        dropping = resolve;
      }),
    close: async () => {
      held?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
