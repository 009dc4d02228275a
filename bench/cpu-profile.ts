// Where a request's CPU goes, from a V8 .cpuprofile: self time by function and by package or file,
// and inclusive time of the functions asked for (each counted once per sample, recursion included).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  label: string;
  /** fraction of all sampled time */
  share: number;
}

export interface ProfileSummary {
  sampledSeconds: number;
  selfByPackage: Share[];
  selfByFunction: Share[];
  inclusive(match: (label: string) => boolean): number;
  self(match: (label: string) => boolean): number;
}

function frameLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const path = url.replace(/^file:\/\//, '');
  const where = path.includes('node_modules/') ? path.replace(/^.*node_modules\//, '') : path.replace(/^.*\/dist\//, 'dist/').replace(/^\/.*?\/(src|bench|test)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const match = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1] !== undefined) return match[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '').replace(/^.*\/dist\//, 'dist/');
}

function ranked(totals: Map<string, number>, all: number): Share[] {
  return [...totals].sort((a, b) => b[1] - a[1]).map(([label, time]) => ({ label, share: time / all }));
}

/**
 * Only the samples taken between `fromEndMs` and `toEndMs` milliseconds before the profile ended (the
 * process exit): a load window, without the start-up before it or the shutdown after it.
 */
export interface ProfileWindow {
  fromEndMs: number;
  toEndMs: number;
}

export function summarizeProfile(file: string, window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const timeOf = new Map<number, number>();
  const from = window === undefined ? -Infinity : profile.endTime - window.fromEndMs * 1000;
  const to = window === undefined ? Infinity : profile.endTime - window.toEndMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at >= from && at <= to) timeOf.set(id, (timeOf.get(id) ?? 0) + delta);
  });
  let all = 0;
  for (const time of timeOf.values()) all += time;
  const selfFunction = new Map<string, number>();
  const selfPackage = new Map<string, number>();
  // Each sampled node's stack as distinct labels, for inclusive time.
  const stacks: { labels: Set<string>; time: number }[] = [];
  for (const [id, time] of timeOf) {
    const node = byId.get(id);
    if (!node) continue;
    const label = frameLabel(node);
    selfFunction.set(label, (selfFunction.get(label) ?? 0) + time);
    selfPackage.set(packageOf(node), (selfPackage.get(packageOf(node)) ?? 0) + time);
    const labels = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (frame) labels.add(frameLabel(frame));
    }
    stacks.push({ labels, time });
  }
  return {
    sampledSeconds: all / 1e6,
    selfByPackage: ranked(selfPackage, all),
    selfByFunction: ranked(selfFunction, all),
    self: (match) => [...selfFunction].reduce((sum, [label, time]) => (match(label) ? sum + time : sum), 0) / all,
    inclusive: (match) => stacks.reduce((sum, stack) => ([...stack.labels].some(match) ? sum + stack.time : sum), 0) / all,
  };
}
