// fpaste config: shows the effective settings and where each comes from; --write saves the ones
// given as flags or environment variables into the config file (mode 0600).
import { SETTINGS, writeConfig } from '../config.js';
import type { SettingName } from '../config.js';
import type { Context } from '../context.js';

export function configCommand(ctx: Context, options: { write?: boolean }): void {
  const { values, sources, configPath } = ctx.settings;
  if (options.write) {
    const updates: Partial<Record<SettingName, string>> = {};
    for (const name of Object.keys(SETTINGS) as SettingName[]) if (sources[name] === 'flag' || sources[name] === 'env') updates[name] = values[name] as string;
    writeConfig(configPath, updates);
    console.error(`wrote ${Object.keys(updates).length} setting(s) to ${configPath}`);
  }
  process.stdout.write(`config file: ${configPath}\n`);
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const value = values[name];
    process.stdout.write(`${`${name}:`.padEnd(13)}${value === undefined ? '(not set)' : `${value}  [${sources[name]}]`}\n`);
  }
}
