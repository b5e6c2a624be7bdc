/** The ceiling: a bare `ws` server that serializes each message once and sends it to every socket. */
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { benchEvent, type ServerCommand, type ServerReply } from './wire.ts';
import { cpuMicros, memoryAfterGc } from './memory.ts';

const TEXT = { binary: false } as const;
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 64 * 1024 });
await new Promise((resolve) => wss.once('listening', resolve));
const reply = (message: ServerReply) => process.send!(message);
let seq = 0;

process.on('message', async (command: ServerCommand) => {
  if (command.type === 'memory') reply({ type: 'memory', ...(await memoryAfterGc()) });
  if (command.type === 'cpu') reply({ type: 'cpu', micros: cpuMicros() });
  if (command.type === 'publish') {
    seq += 1;
    const frame = Buffer.from(JSON.stringify({ v: 1, type: 'event', event: benchEvent('conv_bench', seq, command.round) }));
    for (const socket of wss.clients) socket.send(frame, TEXT);
    reply({ type: 'published', round: command.round });
  }
  if (command.type === 'stop') {
    for (const socket of wss.clients) socket.terminate();
    wss.close(() => process.exit(0));
  }
});
reply({ type: 'ready', url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, protocols: null });
