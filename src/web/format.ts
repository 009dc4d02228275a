// Numbers and times as the page shows them.

/** @example formatBytes(1536) === '1.5 KiB' */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit] as string}`;
}

/** @example formatDuration(86400) === '1 day' */
export function formatDuration(seconds: number): string {
  const steps: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** Unix seconds as a local date and time. */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString();
}

const CHOICES = [600, 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400];

export interface ExpiryChoice {
  /** Seconds, sent as X-Expiry; "" sends no header (the server's default: "never" when it is 0). */
  value: string;
  label: string;
  selected: boolean;
}

/**
 * The expiry options for the server's limits (GET /): fixed choices up to `maxExpiry` (0 = no
 * maximum) and the server's default, shortest first, the default preselected.
 * @example expiryChoices(3600, 86400).map((c) => c.value) → ['600', '3600', '86400']
 */
export function expiryChoices(defaultExpiry: number, maxExpiry: number): ExpiryChoice[] {
  const seconds = CHOICES.filter((choice) => maxExpiry === 0 || choice <= maxExpiry);
  if (defaultExpiry > 0 && !seconds.includes(defaultExpiry)) seconds.push(defaultExpiry);
  seconds.sort((a, b) => a - b);
  const choices = seconds.map((value) => ({ value: String(value), label: formatDuration(value) + (value === defaultExpiry ? ' (default)' : ''), selected: value === defaultExpiry }));
  if (defaultExpiry === 0) choices.push({ value: '', label: 'Never (default)', selected: true });
  return choices;
}
