// What the benches read about their child processes from /proc (CPU time, RSS, PSS, the open-file
// limit), and the proxy started with extra node flags (e.g. --cpu-prof) or from another build, which
// the test helper does not take.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PROXY_MAIN, PROXY_NODE_FLAGS, startProcess, startProxy, type RunningProxy } from '../helpers/process.js';

/** `getconf CLK_TCK` on Linux x64: /proc/<pid>/stat counts CPU time in 10 ms ticks. */
const CLK_TCK = 100;

/**
 * Resets a process's VmHWM to its current RSS (Linux clear_refs, value 5), so that the next reading is
 * the peak of what came after: the proxy's start-up (its config worker) is not the load's peak.
 * False when the kernel refuses.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Proportional set size in kB, from /proc/<pid>/smaps_rollup: resident memory with pages shared
 * between processes (the node binary, libraries) divided among them, so that what a process adds
 * per session is not hidden by, nor blamed for, pages another process also maps.
 */
export function readPssKb(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The soft open-file limit this process runs with (children inherit it): Node raises its soft limit
 * to the hard one at start-up, so this is what `ulimit -Hn` allows, not `ulimit -n`.
 */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

/** utime+stime of a process in ms, from /proc/<pid>/stat (fields 14 and 15): 10 ms resolution. */
export function readCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14 -> index 11, stime field 15 -> index 12
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/**
 * CPU time of a process in ms with nanosecond resolution: the sum over its threads of the first field
 * of /proc/<pid>/task/<tid>/schedstat (time on a CPU). A thread that exits between two reads takes its
 * time with it; a Node process keeps its threads (main, libuv pool, V8 helpers) for its whole life.
 */
export function readRunMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        /* the thread ended meanwhile */
      }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

/**
 * startProxy from the helpers, or the same thing with extra node flags (e.g. --cpu-prof) before the
 * script, or with another build's entry point (`main`, e.g. a checkout of the commit to compare with).
 */
export async function launchProxy(args: string[], env: NodeJS.ProcessEnv, execArgv: string[], main = PROXY_MAIN): Promise<RunningProxy> {
  if (execArgv.length === 0 && main === PROXY_MAIN) return startProxy(args, { env }); // runs with PROXY_NODE_FLAGS too
  const withPort = args.includes('--port') || args.includes('--config') ? args : [...args, '--port', '0'];
  const proc = startProcess(process.execPath, [...PROXY_NODE_FLAGS, ...execArgv, main, ...withPort], { env: { FRONTDOOR_LOG_FORMAT: 'json', ...env } });
  const line = await proc.waitForLine((l) => l.msg === 'listening' && typeof l.url === 'string');
  const url = line.url as string;
  return Object.assign(proc, { url, origin: new URL(url).origin });
}

/** --cpu-prof is not allowed in NODE_OPTIONS on Node 20: it has to go on the node command line. */
export function cpuProfFlags(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
