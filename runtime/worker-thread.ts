import { Worker } from 'node:worker_threads';

/**
 * A worker thread on a module of this code base. Under tsx (`npm start`, the tests) a thread does
 * not inherit tsx's loader for its entry module, so the thread registers tsx before importing it.
 */
export function startWorkerThread(entry: URL, workerData: unknown): Worker {
  const typescript = entry.pathname.endsWith('.ts');
  const register = typescript ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();` : '';
  return new Worker(`(async () => { ${register} await import(${JSON.stringify(entry.href)}); })()`, { eval: true, workerData });
}
