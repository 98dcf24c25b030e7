// The environment of the processes the proxy starts: stdio servers and launched backend commands.
// The proxy's own environment holds its secrets (Redis passwords, the API keys that `${ENV}` puts
// into headers, cloud credentials), and a third-party MCP server has no business seeing them. A
// child gets what the MCP SDKs give stdio servers by default (a sudo-like list), plus the
// backend's configured `env`; `inheritEnv: true` passes the whole environment instead. Pure.

/** The MCP SDK's DEFAULT_INHERITED_ENV_VARS (client/stdio), per platform. */
const DEFAULT_INHERITED: Record<'posix' | 'win32', readonly string[]> = {
  posix: ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'],
  win32: [
    'APPDATA',
    'HOMEDRIVE',
    'HOMEPATH',
    'LOCALAPPDATA',
    'PATH',
    'PROCESSOR_ARCHITECTURE',
    'SYSTEMDRIVE',
    'SYSTEMROOT',
    'TEMP',
    'USERNAME',
    'USERPROFILE',
    'PROGRAMFILES',
  ],
};

export function childEnv(
  parent: NodeJS.ProcessEnv,
  configured: Record<string, string>,
  inheritAll: boolean,
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (inheritAll) {
    for (const [k, v] of Object.entries(parent)) if (v !== undefined) env[k] = v;
  } else {
    for (const key of DEFAULT_INHERITED[platform === 'win32' ? 'win32' : 'posix']) {
      const value = parent[key];
      // Exported shell functions (`() { …`) are skipped, as the SDK does (Shellshock-style abuse).
      if (value !== undefined && !value.startsWith('()')) env[key] = value;
    }
  }
  return { ...env, ...configured };
}
