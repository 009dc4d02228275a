// One HTTP request with node:http, optionally streamed slowly, that keeps the response even when the
// server answers (and closes) before the whole body was sent.
import { request as httpRequest } from 'node:http';

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | number>;
  /** Sent in one piece (with Content-Length unless headers say otherwise). */
  body?: Buffer | string;
  /** Sent one by one without Content-Length (chunked), `delayMs` apart. */
  chunks?: Buffer[];
  delayMs?: number;
  /** Called after chunk `index` was written. */
  onChunk?: (index: number) => void | Promise<void>;
}

export interface SendResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function send(base: string, path: string, options: SendOptions = {}): Promise<SendResult> {
  const url = new URL(path, `${base}/`);
  return new Promise<SendResult>((resolve, reject) => {
    let answered = false;
    const request = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      response.on('end', done);
      response.on('error', done);
      response.on('aborted', done);
    });
    // Writing after the server refused (EPIPE, ECONNRESET) is expected once it has answered.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.chunks === undefined) {
      request.end(options.body);
      return;
    }
    const chunks = options.chunks;
    void (async () => {
      for (const [index, chunk] of chunks.entries()) {
        if (answered || request.destroyed) return;
        if (!request.write(chunk)) {
          await new Promise<void>((resolveDrain) => {
            const done = () => {
              request.off('drain', done);
              request.off('close', done);
              resolveDrain();
            };
            request.once('drain', done);
            request.once('close', done);
          });
        }
        await options.onChunk?.(index);
        if (options.delayMs) await sleep(options.delayMs);
      }
      if (!answered && !request.destroyed) request.end();
    })();
  });
}
