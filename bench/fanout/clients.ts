/**
 * The load generator: one process holding N client sockets. It timestamps each frame on arrival
 * (before parsing) and reports a round once every socket has its copy.
 */
import WebSocket from 'ws';
import { preciseNow, type ClientCommand, type ClientReply } from './wire.ts';

const CONNECT_CONCURRENCY = 200;
const sockets: WebSocket[] = [];
const rounds = new Map<number, number[]>();
let expected = 0;
const reply = (message: ClientReply) => process.send!(message);

function onFrame(data: WebSocket.RawData): void {
  const receivedAt = preciseNow();
  const frame = JSON.parse(data.toString()) as { type: string; event?: { payload?: Record<string, any> } };
  const payload = frame.event?.payload;
  const stamp = (payload?.bench ?? payload?.message?.custom) as { round?: number; sentAt?: number } | undefined;
  if (frame.type !== 'event' || stamp?.round === undefined || stamp.sentAt === undefined) return;
  const latencies = rounds.get(stamp.round) ?? [];
  latencies.push(receivedAt - stamp.sentAt);
  rounds.set(stamp.round, latencies);
  if (latencies.length === expected) {
    rounds.delete(stamp.round);
    reply({ type: 'round', round: stamp.round, latencies });
  }
}

/** Opens one socket; with `resume`, waits until CaaS has started delivery (ready → resume → subscribed). */
function open(url: string, protocols: string[] | undefined, resume: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { perMessageDeflate: false });
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    if (!resume) socket.once('open', () => resolve(socket));
    else {
      socket.on('message', function starting(data) {
        const type = (JSON.parse(data.toString()) as { type: string }).type;
        if (type === 'ready') socket.send('{"v":1,"type":"resume"}');
        if (type === 'subscribed') {
          socket.off('message', starting);
          resolve(socket);
        }
      });
    }
  });
}

async function connect(command: Extract<ClientCommand, { type: 'connect' }>): Promise<void> {
  const started = performance.now();
  expected = command.count;
  let next = 0;
  async function worker(): Promise<void> {
    while (next < command.count) {
      const i = next++;
      const socket = await open(command.url, command.protocols?.[i], command.resume);
      socket.on('message', onFrame);
      sockets.push(socket);
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  reply({ type: 'connected', ms: performance.now() - started });
}

process.on('message', (command: ClientCommand) => {
  if (command.type === 'connect') {
    connect(command).catch((error: unknown) => {
      process.stderr.write(`clients: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
  }
  if (command.type === 'close') {
    for (const socket of sockets) socket.terminate();
    sockets.length = 0;
    reply({ type: 'closed' });
  }
});
