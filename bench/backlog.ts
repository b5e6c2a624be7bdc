/**
 * After a load: how long the CaaS server takes to finish the work its sends left behind (the outbox
 * relay publishing every event, and, with the bus consumers running, the search indexer indexing
 * every message: the busiest consumer). Read from the server's /metrics counters.
 *
 * A run whose background falls behind looks faster than it is: the work is only deferred. So the
 * send benchmark waits for this after its warm-up and after its load, counts the CPU spent meanwhile,
 * and reports sends per second over the load and the catch-up together ("sustained").
 */
const RELAYED = /^caas_outbox_relay_events_total (\d+)/m;
const INDEXED = /^caas_search_indexer_events_total\{outcome="indexed"\} (\d+)/m;

export async function awaitCaughtUp(url: string, sent: number, options: { consumers: boolean; timeoutMs?: number }): Promise<number> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = started + timeoutMs;
  for (;;) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const relayed = Number(RELAYED.exec(metrics)?.[1] ?? 0);
    const indexed = Number(INDEXED.exec(metrics)?.[1] ?? 0);
    if (relayed >= sent && (!options.consumers || indexed >= sent)) return (Date.now() - started) / 1000;
    if (Date.now() > deadline) throw new Error(`background still behind after ${timeoutMs} ms: ${relayed} relayed, ${indexed} indexed of ${sent} sent`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
