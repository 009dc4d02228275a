// Where fpaste keeps things (XDG base directories): settings and the client certificate under
// $XDG_CONFIG_HOME/fpaste, the local record of created items (keys, delete tokens) under
// $XDG_DATA_HOME/fpaste. Both directories are created with mode 0700.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

function xdg(variable: string, fallback: string): string {
  const value = process.env[variable];
  // The spec says relative values are invalid and must be ignored.
  return value && isAbsolute(value) ? value : join(homedir(), fallback);
}

export function configDir(): string {
  return join(xdg('XDG_CONFIG_HOME', '.config'), 'fpaste');
}

export function dataDir(): string {
  return join(xdg('XDG_DATA_HOME', join('.local', 'share')), 'fpaste');
}

export function defaultConfigPath(): string {
  return join(configDir(), 'config');
}

/** Creates `dir` (and parents) private to the user: it holds keys and capabilities. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
