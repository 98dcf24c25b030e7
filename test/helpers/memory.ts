// Memory of a process from /proc/<pid>/status: VmRSS now and VmHWM, the kernel's high-water mark
// of its resident set, which catches a peak between two samples.
import { readFileSync } from 'node:fs';

export const MB = 1024 * 1024;

export interface ProcessMemory {
  rss: number;
  hwm: number;
}

export function memoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** Highest RSS reached since `before` was taken, minus the RSS then (an upper bound on the growth). */
export function peakGrowth(pid: number, before: ProcessMemory): number {
  return memoryOf(pid).hwm - before.rss;
}

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}
