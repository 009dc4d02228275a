// deploy/sealbin.service: accepted by systemd-analyze verify (when installed) and hardened as documented.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { has } from './tools.js';

const UNIT = new URL('../../deploy/sealbin.service', import.meta.url).pathname;
const text = readFileSync(UNIT, 'utf8');

/** Directive -> every value it is given (comments and section headers dropped). */
function directives(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, value] = match as unknown as [string, string, string];
    map.set(name, [...(map.get(name) ?? []), value]);
  }
  return map;
}

const systemdAnalyze = has('systemd-analyze');
/** systemd's version ("systemd 252 (252.38-1~deb12u1)"), 0 without systemd-analyze. */
const systemdVersion = systemdAnalyze ? Number(/^systemd (\d+)/.exec(execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' }))?.[1] ?? 0) : 0;
const verifyReason = systemdAnalyze ? '' : ' (skipped: systemd-analyze is not installed; Debian package systemd)';
// --offline needs systemd 250+; older versions cannot score a unit file that is not installed.
const securityReason = verifyReason || (systemdVersion >= 250 ? '' : ` (skipped: systemd ${systemdVersion} has no security --offline, which needs 250+)`);

describe('deploy/sealbin.service', () => {
  const unit = directives();
  const last = (name: string) => unit.get(name)?.at(-1);

  it.skipIf(verifyReason !== '')(`passes systemd-analyze verify${verifyReason}`, () => {
    const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    const complaints = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.includes('sealbin.service'));
    expect(complaints).toEqual([]);
    expect(result.status).toBe(0);
  });

  it.skipIf(securityReason !== '')(`has a low exposure score in systemd-analyze security --offline${securityReason}`, () => {
    const result = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const score = /exposure level for sealbin\.service: ([0-9.]+)/.exec(result.stdout)?.[1];
    expect(score, 'systemd-analyze printed an exposure level').toBeDefined();
    expect(Number(score)).toBeLessThanOrEqual(2);
  });

  it('runs dist/main.js directly as an unprivileged user', () => {
    expect(last('ExecStart')).toMatch(/\/node( --[a-z-]+)* \S*dist\/main\.js$/);
    expect(last('DynamicUser') === 'yes' || (last('User') !== undefined && last('User') !== 'root')).toBe(true);
  });

  it('is sandboxed: strict read-only system, no new privileges, no capabilities, private /tmp and devices', () => {
    expect(last('NoNewPrivileges')).toBe('yes');
    expect(last('ProtectSystem')).toBe('strict');
    expect(last('ProtectHome')).toMatch(/^(yes|read-only|tmpfs)$/);
    expect(last('PrivateTmp')).toBe('yes');
    expect(last('PrivateDevices')).toBe('yes');
    expect(last('CapabilityBoundingSet')).toBe('');
    expect(last('RestrictSUIDSGID')).toBe('yes');
    expect(unit.get('SystemCallFilter')?.[0]).toBe('@system-service');
    // V8's JIT needs writable+executable memory: this would kill node at start.
    expect(last('MemoryDenyWriteExecute') ?? 'no').toBe('no');
  });

  it('can write only the data dir, which it owns (0700) and where the server keeps its data', () => {
    const env: Record<string, string> = {};
    for (const assignment of unit.get('Environment') ?? []) {
      const [name, ...value] = assignment.split('=');
      env[name as string] = value.join('=');
    }
    const dataDir = env['SEALBIN_DATA_DIR'];
    expect(dataDir).toBe(`/var/lib/${last('StateDirectory')}`);
    expect(unit.get('ReadWritePaths')?.join(' ').split(/\s+/)).toContain(dataDir);
    expect(last('StateDirectoryMode')).toBe('0700');
    expect(last('UMask')).toBe('0077');
    // Every Environment= value is one the server accepts.
    expect(loadConfig(env).dataDir).toBe(dataDir);
  });

  it('stops with SIGTERM and gives the drain time; does not restart on configuration errors (exit 2)', () => {
    expect(last('KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
    expect(Number(last('TimeoutStopSec'))).toBeGreaterThanOrEqual(30);
    expect(last('Restart')).toBe('on-failure');
    expect(last('RestartPreventExitStatus')).toBe('2');
  });
});
