// Process groups of stdio servers. The server is spawned detached, so it leads a process group
// whose id is its pid; signalling `-pid` reaches everything it started that did not leave the group
// on purpose (npx, sh -c), so nothing is orphaned.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The groups a connector started and has not reaped yet: a proxy that exits without closing its
 * channels (a forced stop, a failed start) still SIGKILLs them, from a synchronous 'exit' hook.
 */
export class LiveGroups {
  private readonly groups = new Set<number>();
  private hooked = false;

  track(pid: number): void {
    this.groups.add(pid);
    if (this.hooked) return;
    this.hooked = true;
    process.once('exit', () => {
      for (const group of this.groups) {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }

  forget(pid: number): void {
    this.groups.delete(pid);
  }
}

export function signalGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  if (process.platform === 'win32' || child.pid === undefined) {
    child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch (e) {
    // ESRCH: nothing left. EPERM: not ours to signal (cannot happen for our own group); try the leader.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') child.kill(signal);
  }
}

/**
 * True while a process of the group runs. kill(-pgid, 0) also counts zombies, and a helper orphaned
 * by the server's exit stays a zombie for as long as pid 1 leaves it unreaped (containers, VMs with
 * a minimal init); on Linux /proc tells them apart.
 */
export function groupAlive(pgid: number): boolean {
  if (process.platform === 'win32') return false;
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return process.platform === 'linux' ? groupHasRunningMember(pgid) : true;
}

function groupHasRunningMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}
