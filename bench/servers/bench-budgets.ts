/**
 * Rate limits for benchmark servers: still checked on every request, with budgets no benchmark
 * reaches (the defaults, e.g. 6 000 requests a minute per address, would make a load test of one
 * client machine measure the limiter).
 */
export const BENCH_BUDGETS = {
  CAAS_RATE_LIMIT_APP: '1000000000',
  CAAS_RATE_LIMIT_KEY: '1000000000',
  CAAS_RATE_LIMIT_USER: '1000000000',
  CAAS_RATE_LIMIT_IP: '1000000000',
} as const;
