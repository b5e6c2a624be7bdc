import { defineConfig } from 'vitest/config';

// `npm run test:infra`: the contract suites and the cluster end-to-end test on real engines,
// named by env URLs (infra/engines/up.sh writes them; docker compose provides them elsewhere).
export default defineConfig({
  test: {
    // The contract suites on each engine, plus the chat end-to-end suites re-run in cluster mode.
    include: [
      'tests/infra/**/*.test.ts',
      'tests/e2e/{tenancy,user-tokens,idempotency,conversations,messages,moderation,outbox-relay,event-sequences,media,search,realtime-delivery,realtime-resume,cross-process-revocation,webhooks,webhooks-ssrf,webhooks-restart,hooks-pre-send,hooks-media-scan,event-stream,encryption,security-tokens,security-media,security-events,security-secrets,security-sockets,security-rate-limits}.test.ts',
      'tests/e2e/compliance-*.test.ts',
      // Issue 18's chat features, on real engines too.
      'tests/e2e/{scheduled-messages,disappearing-messages,message-restore,occupancy,read-policy,auth-overlap,public-links}.test.ts',
    ],
    globalSetup: ['tests/infra/require-engines.ts'],
    testTimeout: 60_000,
    // Closing a platform waits for its workers' in-flight work: after the 2 000-send test on a loaded
    // FerretDB that once took over two minutes.
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
