/** Server-side measurements for the fan-out benchmark: memory after GC, CPU time. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Process memory once garbage is collected and the heap has settled. */
export async function memoryAfterGc(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed + usage.external };
}

/** CPU time this process has used (user + system), in microseconds: unlike wall time, other load on the machine does not inflate it. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
