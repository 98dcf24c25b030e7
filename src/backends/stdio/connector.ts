// One connector per route with a stdio backend. Each `connect` spawns the route's command as its own
// process: with share: per-session, one client session, one server process (with share: shared, the
// wrapper of create-connector.ts connects once for all sessions). A crash ends the channel; the
// session's reconnect loop then calls `connect` again (backoff) and re-handshakes the new process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelHandlers, MessageLimits } from '../channel.js';
import type { BackendConfig } from '../../config/schema.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { childEnv } from '../child-env.js';
import { StdioChannel } from './channel.js';
import { LiveGroups } from './process-group.js';

export function createStdioConnector(
  backend: BackendConfig,
  log: Logger,
  onRepair: (reason: string, detail: Record<string, unknown>) => void,
  limits: MessageLimits,
): BackendConnector {
  const configured = backend.command ?? '';
  // `node` means the Node.js running the proxy (the same rule app.ts applies to launched commands).
  const command = configured === 'node' ? process.execPath : configured;
  const channels = new Set<StdioChannel>();
  const groups = new LiveGroups();

  return {
    description: `stdio ${configured}`,
    async connect(handlers: ChannelHandlers): Promise<Channel> {
      const child = await spawnServer(command, configured, backend);
      groups.track(child.pid!);
      const channelLog = log.child({ backend: 'stdio', backendPid: child.pid });
      channelLog.info({ command: configured, cwd: backend.cwd }, 'stdio backend process started');
      const channel = new StdioChannel(
        { child, command: configured, log: channelLog, onRepair, ...limits, groups, onEnded: () => channels.delete(channel) },
        handlers,
      );
      channels.add(channel);
      return channel;
    },
    async dispose() {
      await Promise.allSettled([...channels].map((c) => c.close()));
    },
  };
}

/** Spawns the server in a process group of its own; resolves on 'spawn', rejects on a spawn error. */
function spawnServer(command: string, configured: string, backend: BackendConfig): Promise<ChildProcessWithoutNullStreams> {
  return new Promise((resolve, reject) => {
    let child: ChildProcessWithoutNullStreams;
    const failed = (e: Error) => {
      const cwdMissing = backend.cwd !== undefined && !existsSync(backend.cwd);
      const why = cwdMissing ? `its cwd ${backend.cwd} does not exist` : e.message;
      const code = (e as NodeJS.ErrnoException).code;
      reject(
        new ProxyError('ERR_BACKEND_UNAVAILABLE', 'backend_spawn_failed', `cannot start the stdio backend${code ? ` (${code})` : ''}`, {
          cause: e,
          detail: `"${configured}": ${why}`,
        }),
      );
    };
    try {
      child = spawn(command, backend.args, {
        cwd: backend.cwd,
        // Not the proxy's whole environment: its secrets stay out (child-env.ts).
        env: childEnv(process.env, backend.env, backend.inheritEnv),
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group: shutdown signals reach npx / sh -c grandchildren too.
        detached: true,
        windowsHide: true,
      });
    } catch (e) {
      // Synchronous failures: invalid arguments (a NUL byte), EACCES on some platforms.
      failed(e as Error);
      return;
    }
    const onError = (e: Error) => {
      child.off('spawn', onSpawn);
      failed(e);
    };
    const onSpawn = () => {
      child.off('error', onError);
      resolve(child);
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
}
