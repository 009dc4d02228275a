// Settings: flags override FPASTE_* environment variables, which override the config file
// ($XDG_CONFIG_HOME/fpaste/config, mode 0600). The file is `name = value` lines with # comments.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CliError, UsageError } from './errors.js';
import { defaultConfigPath, ensurePrivateDir } from './paths.js';

/** Every setting: config-file name, environment variable, and flag (a global option). */
export const SETTINGS = {
  server: { env: 'FPASTE_SERVER', help: 'server URL, e.g. https://paste.example.org' },
  cert: { env: 'FPASTE_CERT', help: 'client certificate (PEM) for your identity' },
  key: { env: 'FPASTE_KEY', help: 'private key (PEM) of the client certificate' },
  ca: { env: 'FPASTE_CA', help: 'CA certificate(s) (PEM) to verify the server with, instead of the system ones' },
  fingerprint: { env: 'FPASTE_FINGERPRINT', help: 'pinned SHA-256 fingerprint of the server certificate' },
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Source = 'flag' | 'env' | 'config';

export interface Settings {
  values: Partial<Record<SettingName, string>>;
  sources: Partial<Record<SettingName, Source>>;
  configPath: string;
}

const NAMES = Object.keys(SETTINGS) as SettingName[];

export function parseConfigText(text: string, path: string): Partial<Record<SettingName, string>> {
  const values: Partial<Record<SettingName, string>> = {};
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^([a-z_]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) throw new CliError(`${path}:${index + 1}: expected "name = value"`);
    const name = match[1] as string;
    // A typo (sevrer = ...) must not silently fall back to another server.
    if (!NAMES.includes(name as SettingName)) throw new CliError(`${path}:${index + 1}: unknown setting "${name}" (known: ${NAMES.join(', ')})`);
    values[name as SettingName] = (match[2] as string).replace(/^"(.*)"$/, '$1');
  });
  return values;
}

function readConfigFile(path: string, explicit: boolean): Partial<Record<SettingName, string>> {
  if (!existsSync(path)) {
    if (explicit) throw new CliError(`config file ${path} does not exist`);
    return {};
  }
  // Someone else able to edit it could redirect your uploads (and certificate) to their server.
  if ((statSync(path).mode & 0o022) !== 0) throw new CliError(`${path} is writable by other users; fix it with: chmod 600 ${path}`);
  const values = parseConfigText(readFileSync(path, 'utf8'), path);
  // Paths in the file are relative to the file's directory, not to wherever fpaste runs.
  for (const name of ['cert', 'key', 'ca'] as const) {
    const value = values[name];
    if (value !== undefined && value !== '' && !isAbsolute(value)) values[name] = resolve(dirname(path), value);
  }
  return values;
}

/** Resolves every setting from flags, environment and the config file. */
export function loadSettings(flags: Partial<Record<SettingName | 'config', string | undefined>>, env: NodeJS.ProcessEnv = process.env): Settings {
  const explicitPath = flags.config ?? env['FPASTE_CONFIG'];
  const configPath = explicitPath ?? defaultConfigPath();
  const file = readConfigFile(configPath, explicitPath !== undefined);
  const values: Settings['values'] = {};
  const sources: Settings['sources'] = {};
  for (const name of NAMES) {
    const fromFlag = flags[name];
    const fromEnv = env[SETTINGS[name].env];
    if (fromFlag !== undefined && fromFlag !== '') [values[name], sources[name]] = [fromFlag, 'flag'];
    else if (fromEnv !== undefined && fromEnv !== '') [values[name], sources[name]] = [fromEnv, 'env'];
    else if (file[name] !== undefined && file[name] !== '') [values[name], sources[name]] = [file[name], 'config'];
  }
  if (values.server !== undefined) values.server = normalizeServer(values.server);
  if (values.fingerprint !== undefined) values.fingerprint = normalizeFingerprint(values.fingerprint);
  for (const name of ['cert', 'key', 'ca'] as const) if (values[name] !== undefined) values[name] = resolve(values[name] as string);
  return { values, sources, configPath };
}

/** "https://host/prefix/" → "https://host/prefix"; only http(s), no query, fragment or credentials. */
export function normalizeServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`server URL ${JSON.stringify(value)} is not a URL (e.g. https://paste.example.org)`);
  }
  if (!/^https?:$/.test(url.protocol)) throw new UsageError('the server URL must start with http:// or https://');
  if (url.username || url.password || url.search || url.hash) throw new UsageError('the server URL must not contain credentials, a query or a fragment');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** SHA-256 fingerprints: 64 hex digits, colons and case ignored. */
export function normalizeFingerprint(value: string): string {
  const hex = value.replace(/^sha256[:/]/i, '').replace(/:/g, '').trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new UsageError('the server fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)');
  return hex;
}

/** Writes (merges) settings into the config file, atomically and with mode 0600. */
export function writeConfig(path: string, updates: Partial<Record<SettingName, string>>): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '# fpaste settings (see fpaste --help); environment variables and flags override these.\n';
  const lines = existing.split(/\r?\n/);
  const pending = new Map(Object.entries(updates).filter(([, value]) => value !== undefined) as [SettingName, string][]);
  const out = lines.map((line) => {
    const match = /^\s*([a-z_]+)\s*=/.exec(line);
    const name = match?.[1] as SettingName | undefined;
    if (name && pending.has(name)) {
      const value = pending.get(name) as string;
      pending.delete(name);
      return `${name} = ${value}`;
    }
    return line;
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  for (const [name, value] of pending) out.push(`${name} = ${value}`);
  ensurePrivateDir(dirname(path));
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${out.join('\n')}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
