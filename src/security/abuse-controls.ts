// The abuse-prevention services, built once from the config over one CounterStore.
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { CounterStore } from '../storage/ports.js';
import { AntiFlood } from './antiflood.js';
import { BruteForceGuard } from './bruteforce.js';
import { TrustedProxies } from './client-ip.js';
import { DuplicateGuard } from './dedup.js';
import { MimePolicy } from './mime-policy.js';
import { ProofOfWork } from './pow.js';

export interface AbuseControls {
  counters: CounterStore;
  pow: ProofOfWork;
  flood: AntiFlood;
  brute: BruteForceGuard;
  dedup: DuplicateGuard;
  mime: MimePolicy;
  trustedProxies: TrustedProxies;
  /** Told when a rate limit refuses a request (metrics). */
  onRateLimited?: (group: string) => void;
}

export function buildAbuseControls(config: Config, counters: CounterStore, keys: { powKey: Buffer; digestKey: Buffer }, clock: Clock): AbuseControls {
  return {
    counters,
    pow: new ProofOfWork(keys.powKey, counters, clock),
    flood: new AntiFlood({ base: config.powDifficulty, max: config.powMax, threshold: config.floodThreshold, windowSeconds: config.floodWindow, step: config.floodStep }, counters, clock),
    brute: new BruteForceGuard({ max: config.bruteMax, blockSeconds: config.bruteBlock }, counters),
    dedup: new DuplicateGuard({ max: config.dedupMax, windowSeconds: config.dedupWindow, scope: config.dedupScope }, counters, keys.digestKey),
    mime: new MimePolicy(config.allowedTypes, config.deniedTypes),
    trustedProxies: new TrustedProxies(config.trustedProxies),
  };
}
