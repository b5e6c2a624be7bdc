import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time (user + system) of processes, read from Linux's /proc: a benchmark's server and the
 * engines it drives run in processes of their own. Microseconds; clock ticks of 10 ms each.
 */
const MICROS_PER_TICK = 10_000;

interface Stat {
  pgrp: number;
  ticks: number;
}

async function stat(pid: number): Promise<Stat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // Fields after the parenthesised command name: state is field 3, pgrp 5, utime 14, stime 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) };
}

export async function processCpuMicros(pid: number): Promise<number> {
  return ((await stat(pid))?.ticks ?? 0) * MICROS_PER_TICK;
}

/** Every live process whose process group is one of `groups` (an engine and the children it forked). */
export async function processGroupCpuMicros(groups: number[]): Promise<number> {
  if (groups.length === 0) return 0;
  const wanted = new Set(groups);
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(stat));
  return stats.reduce((sum, entry) => sum + (entry && wanted.has(entry.pgrp) ? entry.ticks * MICROS_PER_TICK : 0), 0);
}
