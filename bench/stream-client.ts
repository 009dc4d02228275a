// The streaming client as a process of its own (`tsx bench/stream-client.ts upload ORIGIN BYTES` or
// `download ORIGIN ID BYTES`), as curl would be. Run inside the benchmark's process, where
// autocannon has run, the same download measured 240-270 MB/s against 400-490 from a fresh process
// on the same server: the figure moved with the client, not the server. It loads, says "ready" on
// stdout, transfers once "go" arrives on stdin (so its start-up is outside every measured window),
// then prints the timing and its own CPU seconds for the transfer as one JSON line.
import { once } from 'node:events';
import { download, upload } from './stream.js';

export interface ClientReport {
  readonly seconds: number;
  /** The created id for an upload, the byte count for a download. */
  readonly value: { id: string; size: number } | number;
  readonly cpuSeconds: number;
}

const [direction, origin, ...rest] = process.argv.slice(2);
if ((direction !== 'upload' && direction !== 'download') || origin === undefined) {
  console.error('usage: stream-client.ts upload ORIGIN BYTES | download ORIGIN ID BYTES');
  process.exit(2);
}
process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
let heard = '';
while (!heard.includes('go')) heard += String((await once(process.stdin, 'data'))[0]);
process.stdin.pause();
const cpu = process.cpuUsage();
const timed = direction === 'upload' ? await upload(origin, Number(rest[0])) : await download(origin, rest[0] as string, Number(rest[1]));
const used = process.cpuUsage(cpu);
const report: ClientReport = { seconds: timed.seconds, value: timed.value, cpuSeconds: (used.user + used.system) / 1e6 };
process.stdout.write(`${JSON.stringify(report)}\n`);
