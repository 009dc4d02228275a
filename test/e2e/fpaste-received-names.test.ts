// A sender controls the file name inside an end-to-end encrypted item; the server never sees it,
// so only fpaste can clean it. fpaste uses the server's own sanitiser: a name carrying a bidi
// override (U+202E shows "invoice\u202Efdp.exe" as "invoiceexe.pdf") and C1 controls (U+0085,
// U+009B, a terminal's CSI) is written as a plain, safe file name.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitizeFilename } from '../../src/core/filename.js';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { expectExit, FpasteUser, printedUrl } from '../helpers/fpaste.js';

const HOSTILE = 'invoice\u202Efdp\u0085\u009b.exe';
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

let server: RunningServer;
let sender: FpasteUser;
let recipient: FpasteUser;
beforeAll(async () => {
  server = await startServer();
  sender = new FpasteUser(server.url);
  recipient = new FpasteUser(server.url);
});
afterAll(async () => {
  sender.dispose();
  recipient.dispose();
  await server.dispose();
});

function writtenNames(): string[] {
  return readdirSync(recipient.work);
}

describe('fpaste writes received names through the server sanitiser', () => {
  it('get -O of an encrypted paste named with U+202E and C1 controls writes a safe name', async () => {
    const url = printedUrl(expectExit(await sender.run(['create', '-', '--name', HOSTILE], { input: 'the payload' }), 0));
    expectExit(await recipient.run(['get', url, '-O']), 0);
    const names = writtenNames();
    expect(names).toEqual(['invoicefdp.exe']);
    expect(names[0]).toBe(sanitizeFilename(HOSTILE));
    for (const name of names) expect(name).not.toMatch(UNSAFE);
  });

  it('download of an encrypted share with such a name writes the same safe name', async () => {
    const file = join(sender.work, 'local.bin');
    writeFileSync(file, 'shared payload');
    const url = printedUrl(expectExit(await sender.run(['upload', '-e', '--name', `x/../${HOSTILE}\u202D.pdf`, file]), 0));
    const before = new Set(writtenNames());
    expectExit(await recipient.run(['download', url]), 0);
    const added = writtenNames().filter((name) => !before.has(name));
    expect(added).toEqual(['invoicefdp.exe.pdf']);
    for (const name of added) expect(name).not.toMatch(UNSAFE);
  });
});
