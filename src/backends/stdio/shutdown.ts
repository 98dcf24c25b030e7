// Stopping a stdio server and everything it started (MCP lifecycle, stdio shutdown): close stdin,
// wait; SIGTERM the group, wait; SIGKILL the group. Then whatever the server left behind in its group
// (a daemonised helper, `sh -c` children) is ended too.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Logger } from 'pino';
import { groupAlive, signalGroup } from './process-group.js';

/** After stdin closes, how long a server may take to exit by itself before SIGTERM. */
export const STDIN_CLOSE_GRACE_MS = 2_000;
/** After SIGTERM, how long before SIGKILL. */
export const SIGTERM_GRACE_MS = 3_000;
/** After the server itself exited, how long what it started may linger before SIGKILL. */
const GROUP_LINGER_MS = 1_000;

/** Resolves once the server and its group are gone. `exited` resolves when the server exits. */
export async function stopServer(child: ChildProcessWithoutNullStreams, exited: Promise<void>, hasExited: () => boolean, log: Logger): Promise<void> {
  const waitExit = async (ms: number): Promise<boolean> => {
    if (hasExited()) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  };
  if (!hasExited()) {
    try {
      child.stdin.end();
    } catch {
      /* already destroyed */
    }
    if (!(await waitExit(STDIN_CLOSE_GRACE_MS))) {
      log.info({ reason: 'backend_sigterm', graceMs: STDIN_CLOSE_GRACE_MS }, 'stdio backend still running after stdin closed: SIGTERM');
      signalGroup(child, 'SIGTERM');
      if (!(await waitExit(SIGTERM_GRACE_MS))) {
        log.warn({ reason: 'backend_sigkill', graceMs: SIGTERM_GRACE_MS }, 'stdio backend still running after SIGTERM: SIGKILL');
        signalGroup(child, 'SIGKILL');
        if (!(await waitExit(SIGTERM_GRACE_MS))) log.error({ reason: 'backend_unkillable' }, 'stdio backend did not exit after SIGKILL');
      }
    }
  }
  const pid = child.pid!;
  if (groupAlive(pid)) {
    signalGroup(child, 'SIGTERM');
    // Polled: the group's members are not our children, no event tells when they are gone.
    const deadline = Date.now() + GROUP_LINGER_MS;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(pid)) {
      log.warn({ reason: 'backend_group_sigkill' }, 'processes started by the stdio backend outlived it: SIGKILL');
      signalGroup(child, 'SIGKILL');
    }
  }
  child.stdin.destroy();
  child.stdout.destroy();
  child.stderr.destroy();
}
