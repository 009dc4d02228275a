const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses "1048576", "512KiB", "100MiB", "1GB" into bytes; null when malformed or unsafe.
 * @example parseByteSize('2MiB') === 2097152
 */
export function parseByteSize(text: string): number | null {
  const match = /^\s*([0-9]{1,16})\s*([a-zA-Z]{0,3})\s*$/.exec(text);
  if (!match) return null;
  const unit = UNITS[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : null;
}
