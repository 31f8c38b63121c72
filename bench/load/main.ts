/**
 * Load generator / target process. The harness runs it as a separate process so the harness's own
 * work never shares an event loop with the traffic. Prints JSON lines: events, then {"event":"result"}.
 *   node dist/bench/load/main.js MODE 'JSON-ARGS'
 */
import type net from 'node:net';
import { createInterface } from 'node:readline';
import { runLatency } from './latency.js';
import { runConnRate } from './connrate.js';
import { openIdle } from './idle.js';
import { runSlowReader } from './slow.js';
import { startTargets } from './targets.js';

type Args = Record<string, number>;

function emit(event: string, data: object = {}): void {
  process.stdout.write(`${JSON.stringify({ event, t: performance.now(), ...data })}\n`);
}

function waitForStdinLine(word: string): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (l) => {
      if (l.trim() === word) {
        rl.close();
        resolve();
      }
    });
    rl.on('close', () => resolve());
  });
}

async function main(): Promise<void> {
  const [mode, json] = process.argv.slice(2);
  const a = JSON.parse(json ?? '{}') as Args;
  switch (mode) {
    case 'targets': {
      emit('ready', await startTargets({ echo: a.echo ?? 0, rr: a.rr ?? 0, source: a.source ?? 0 }));
      await waitForStdinLine('stop');
      emit('result');
      break;
    }
    case 'latency':
      emit('result', await runLatency(a.port, a.samples, a.warmup, a.maxMs));
      break;
    case 'connrate':
      emit('result', await runConnRate(a.port, a.concurrency, a.durationMs, a.warmupMs ?? 0));
      break;
    case 'idle': {
      const sockets: net.Socket[] = [];
      const r = await openIdle(a.port, a.count, a.concurrency, sockets);
      emit('ready', r);
      await waitForStdinLine('stop');
      for (const s of sockets) s.destroy();
      emit('result', r);
      break;
    }
    case 'slow':
      emit('result', await runSlowReader(a.port, a.durationMs, a.settleMs, (e) => emit(e)));
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  emit('error', { message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
