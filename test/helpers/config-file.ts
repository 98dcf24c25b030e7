// Writes a proxy config file into a fresh temporary directory (JSON is YAML flow syntax: no quoting
// surprises), for tests that need limits the command line has no flag for.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ConfigFile {
  file: string;
  dispose(): void;
}

export function writeConfigFile(config: Record<string, unknown>): ConfigFile {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-hostile-'));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(
    file,
    Object.entries(config)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n') + '\n',
  );
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
