// tus 1.0 requests for black-box tests (test/integration/tus): each on its own connection, so a test
// can choose the client's address with localAddress (127.0.0.0/8 is all loopback).
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { hit } from './abuse.js';
import type { Hit, HitOptions } from './abuse.js';

export const TUS = { 'tus-resumable': '1.0.0' };

/** Upload-Metadata from plain values. */
export function metadata(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`)
    .join(',');
}

export function tusCreate(base: string, headers: Record<string, string>, options: HitOptions = {}): Promise<Hit> {
  return hit(base, '/tus', { ...options, method: 'POST', headers: { ...TUS, ...headers } });
}

/** Creates an upload and returns its path (/tus/{id}). */
export async function createUpload(base: string, headers: Record<string, string>, options: HitOptions = {}): Promise<string> {
  const response = await tusCreate(base, headers, options);
  expect(response.status, response.text).toBe(201);
  const location = response.header('location') as string;
  expect(location).toMatch(/\/tus\/[0-9a-f]{32}$/);
  return new URL(location).pathname;
}

export function tusPatch(base: string, path: string, offset: number, body: Buffer, headers: Record<string, string> = {}, options: HitOptions = {}): Promise<Hit> {
  return hit(base, path, { ...options, method: 'PATCH', headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...headers }, body });
}

export function tusHead(base: string, path: string, options: HitOptions = {}): Promise<Hit> {
  return hit(base, path, { ...options, method: 'HEAD', headers: TUS });
}

export function tusDelete(base: string, path: string, options: HitOptions = {}): Promise<Hit> {
  return hit(base, path, { ...options, method: 'DELETE', headers: TUS });
}

/** The durable offset HEAD reports. */
export async function offsetOf(base: string, path: string, options: HitOptions = {}): Promise<number> {
  const response = await tusHead(base, path, options);
  expect(response.status, response.text).toBe(200);
  return Number(response.header('upload-offset'));
}

/** Sends `content` from `offset` in PATCHes of `size` bytes; returns the last answer. */
export async function sendRest(base: string, path: string, content: Buffer, offset: number, size: number, options: HitOptions = {}): Promise<Hit> {
  let last: Hit | null = null;
  for (let at = offset; at < content.length; at += size) {
    last = await tusPatch(base, path, at, content.subarray(at, Math.min(content.length, at + size)), {}, options);
    expect(last.status, last.text).toBe(204);
    expect(Number(last.header('upload-offset'))).toBe(Math.min(content.length, at + size));
  }
  return last as Hit;
}

/** Files of one upload in the data dir (its state and segment log). */
export function partialFiles(dataDir: string, path: string): string[] {
  const id = path.split('/').pop() as string;
  return readdirSync(join(dataDir, 'tus')).filter((name) => name.startsWith(id));
}

/** The raw content of the item a completing PATCH created. */
export async function rawOf(base: string, completed: Hit): Promise<Buffer> {
  const id = completed.header('x-sealbin-id');
  expect(id, 'X-Sealbin-Id on the completing PATCH').toMatch(/^[0-9a-f]{32}$/);
  const response = await fetch(`${base}/${id}/raw`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * Byte-identical, compared by length and SHA-256: a deep equality of megabyte buffers costs vitest
 * tens of seconds on a loaded machine.
 */
export function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  expect(digest(actual)).toBe(digest(expected));
}
