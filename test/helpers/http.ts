// Small HTTP helpers for black-box tests.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface Created {
  id: string;
  url: string;
  raw: string;
  size: number;
  mime_type: string;
  sha256: string;
  created_at: number;
  expires_at: number | null;
  burn_after_read: boolean;
  owner: string | null;
  delete_token?: string;
  key?: string;
  download_url?: string;
  filename?: string;
}

export async function createPaste(base: string, body: string | Buffer | Uint8Array, headers: Record<string, string> = {}): Promise<Created> {
  const response = await fetch(`${base}/`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Created;
}

export async function uploadFile(base: string, content: Buffer | string, filename = 'file.bin', headers: Record<string, string> = {}): Promise<Created> {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), filename);
  const response = await fetch(`${base}/upload`, { method: 'POST', body: form, headers });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Created;
}

/** Sends raw bytes over a socket and returns what came back (for requests fetch refuses to make). */
export async function rawHttp(base: string, payload: string | Buffer, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(payload));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', (error) => (data ? resolve(data) : reject(error)));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(data);
    });
  });
}

/**
 * Streams `total` bytes to `path` in chunks (no Content-Length, i.e. chunked) while reading the
 * response as soon as it comes: what a client sees when the server refuses mid-upload.
 */
export async function streamUpload(base: string, path: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(path, `${base}/`);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', (error) => reject(error));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const size = Math.min(chunk.length, total - sent);
        sent += size;
        if (!request.write(chunk.subarray(0, size))) {
          request.once('drain', pump);
          return;
        }
      }
      request.end();
    };
    request.on('response', () => undefined);
    pump();
  });
}
