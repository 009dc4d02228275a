// "30/hour", "600/minute", "1/second", "5/day" or "off".

const UNITS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

export interface RateSpec {
  limit: number;
  windowSeconds: number;
}

/** @example parseRateSpec('30/hour') -> { limit: 30, windowSeconds: 3600 }; parseRateSpec('off') -> null */
export function parseRateSpec(text: string): RateSpec | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return null;
  const match = /^([1-9][0-9]{0,8})\/(second|minute|hour|day)s?$/.exec(value);
  if (!match) return undefined;
  return { limit: Number(match[1]), windowSeconds: UNITS[match[2] as string] as number };
}
