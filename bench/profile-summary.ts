// Summarises V8 CPU profiles (`node --cpu-prof`, or `BENCH_CPU_PROF=<dir> npm run bench`): self time
// by where the code lives (a package, a Sealbin source file, Node's internals, native/GC/idle) and
// the top functions, as shares of the busy time. Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [top]
// Sealbin runs from one bundle (dist/), so its own functions are named by function, not file. When
// bench/profile-run.ts left a window.json beside the profile, only the samples taken while its
// scenario ran count (start-up and shutdown left out).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package name, node:internal, dist (Sealbin), or a V8 pseudo frame. */
function place(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/').slice(0, 2).join('/');
  if (url.includes('/dist/')) return 'sealbin';
  return url.split('/').slice(-2).join('/');
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const windowFile = join(dirname(file), 'window.json');
  // Both clocks are CLOCK_MONOTONIC in µs: V8's profile timestamps and the runner's hrtime.
  const window = existsSync(windowFile) ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { startMicros: number; endMicros: number }) : null;
  const inWindow: boolean[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) {
    at += delta;
    inWindow.push(window === null || (at >= window.startMicros && at <= window.endMicros));
  }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (inWindow[i] === true) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const where = place(url, functionName);
    byPlace.set(where, (byPlace.get(where) ?? 0) + micros);
    const fn = `${functionName || '(anonymous)'} ${where}${url === '' ? '' : `:${lineNumber + 1}`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (inWindow[i] !== true) return;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || frame.functionName === '(idle)' || frame.functionName === '(root)') continue;
      seen.add(`${frame.functionName || '(anonymous)'} ${place(frame.url, frame.functionName)}`);
    }
    for (const fn of seen) inclusive.set(fn, (inclusive.get(fn) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const share = (micros: number) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
  console.log(`${file}${window === null ? '' : ' (scenario window only)'}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
  console.log('self time by place:');
  for (const [where, micros] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${share(micros)}  ${where}`);
  console.log('self time by function:');
  for (const [fn, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${share(micros)}  ${fn}`);
  console.log('inclusive time by function (self + callees):');
  for (const [fn, micros] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top * 2)) console.log(`  ${share(micros)}  ${fn}`);
}

const [file, top = '25'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [top]');
  process.exit(2);
}
summarise(file, Number(top));
