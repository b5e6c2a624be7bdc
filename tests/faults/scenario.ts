import { createChatWorld, createGroup } from '../support/chat-fixtures.ts';
import { apiClient } from '../support/http-client.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkHistory, type Verdict } from './checker.ts';
import type { History } from './history.ts';
import { LoadDriver } from './load-driver.ts';

/**
 * One fault scenario: a chat world (4 senders and a reader, 3 group conversations), the load
 * running, the fault injected once `warmupAcks` sends were acknowledged and half as many messages
 * arrived on the socket, undone, the load kept until `afterAcks` more were acknowledged after the
 * fault's end, then checked. Prints one
 * `fault-scenario` line (JSON) with the counts and recovery times, which docs/operations.md quotes.
 */
export interface ScenarioOptions {
  name: string;
  apiUrl: string;
  realtimeUrl: string;
  adminToken: string;
  /** Injects the fault (kill, stop an engine); resolves once it is in effect. */
  inject(): Promise<void>;
  /** Undoes it (restart); resolves once the restart was started or has finished. */
  undo(): Promise<void>;
  warmupAcks?: number;
  afterAcks?: number;
  /** Concurrent media uploads beside the sends (the S3 scenario). */
  uploaders?: number;
}

export interface ScenarioResult {
  verdict: Verdict;
  history: History;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { name, apiUrl, realtimeUrl, warmupAcks = 40, afterAcks = 40 } = options;
  const call = apiClient(apiUrl);
  const label = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 20);
  const world = await createChatWorld(call, options.adminToken, ['s0', 's1', 's2', 's3', 'reader']);
  const senderTokens = ['s0', 's1', 's2', 's3'].map((user) => world.tokens[user]!);
  const conversationIds: string[] = [];
  for (let i = 0; i < 3; i++) conversationIds.push(await createGroup(call, senderTokens[0]!, ['s1', 's2', 's3', 'reader'], `${label} ${i}`));

  const driver = new LoadDriver({ apiUrl, realtimeUrl, conversationIds, senderTokens, readerToken: world.tokens.reader!, label, uploaders: options.uploaders });
  await waitFor(() => driver.senders.acknowledgedSince() >= warmupAcks, 60_000, `${warmupAcks} acknowledged sends before the fault`);
  // Live before the fault: recovery from a previous scenario's fault is not counted against this one.
  const live = () => driver.socket.frames.filter((frame) => frame.type === 'message.new').length >= warmupAcks / 2;
  await waitFor(live, 120_000, 'messages live on the socket before the fault');
  const start = Date.now();
  await options.inject();
  const end = Date.now();
  await options.undo();
  const undone = Date.now();
  await waitFor(() => driver.senders.acknowledgedSince(end) >= afterAcks, 120_000, `${afterAcks} acknowledged sends after the fault`).catch(() => undefined);
  const history = await driver.finish({ name, start, end });
  const verdict = checkHistory(history);
  const summary = {
    scenario: name,
    sends: history.sends.length,
    acknowledged: verdict.acknowledged,
    attempts: history.sends.reduce((sum, send) => sum + send.attempts.length, 0),
    reconnects: history.socket.connections.length - 1,
    allowedGaps: verdict.allowedGaps.length,
    uploads: history.uploads?.records.length,
    faultMs: end - start,
    undoMs: undone - end,
    recoveryAckMs: verdict.recovery.firstAckMs,
    recoveryFrameMs: verdict.recovery.firstFrameMs,
    framesDuringFault: history.socket.frames.filter((frame) => frame.at >= start && frame.at < end).length,
    longestFrameSilenceMs: longestSilence(history.socket.frames.map((frame) => frame.at)),
    violations: verdict.violations,
  };
  process.stdout.write(`fault-scenario ${JSON.stringify(summary)}\n`);
  return { verdict, history };
}

/** The longest time between two consecutive frames: how long live delivery stalled. */
function longestSilence(times: number[]): number {
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}
