import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time (user + system) of processes, read from Linux's /proc: a benchmark's server and the
 * engines it drives run in processes of their own. Microseconds; clock ticks of 10 ms each.
 */
const MICROS_PER_TICK = 10_000;

interface Stat {
  pid: number;
  ppid: number;
  pgrp: number;
  ticks: number;
}

async function stat(pid: number): Promise<Stat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // Fields after the parenthesised command name: state is field 3, ppid 4, pgrp 5, utime 14, stime 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) };
}

export async function processCpuMicros(pid: number): Promise<number> {
  return ((await stat(pid))?.ticks ?? 0) * MICROS_PER_TICK;
}

/**
 * Every live process whose process group is one of `groups` (an engine and the children it forked),
 * and their descendants in groups of their own: PostgreSQL's backends (FerretDB's connections) each
 * start a session of their own, so only their parent is in the engine's group.
 */
export async function processGroupCpuMicros(groups: number[]): Promise<number> {
  if (groups.length === 0) return 0;
  const wanted = new Set(groups);
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = (await Promise.all(pids.map(stat))).filter((entry): entry is Stat => entry !== null);
  const counted = new Set(stats.filter((entry) => wanted.has(entry.pgrp)).map((entry) => entry.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of stats) {
      if (!counted.has(entry.pid) && counted.has(entry.ppid)) {
        counted.add(entry.pid);
        grew = true;
      }
    }
  }
  return stats.reduce((sum, entry) => sum + (counted.has(entry.pid) ? entry.ticks * MICROS_PER_TICK : 0), 0);
}

/** An engine infra/engines/up.sh started, as its engines.json lists it. */
export interface StartedEngine {
  name: string;
  version: string;
  pid: number;
}

/** The engines named by CAAS_ENGINES_JSON (none when it is unset: local mode). */
export async function startedEngines(): Promise<StartedEngine[]> {
  const file = process.env.CAAS_ENGINES_JSON;
  return file ? (JSON.parse(await readFile(file, 'utf8')) as StartedEngine[]) : [];
}
