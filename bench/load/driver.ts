/** Harness side of load/main.ts: runs it as a child and turns its JSON lines into events and a result. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const MAIN = new URL('./main.js', import.meta.url).pathname;

/** Load children still running: killed if the harness exits any way at all (an EPIPE on stdout, a crash). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export interface LoadEvent {
  event: string;
  t: number;
  [k: string]: unknown;
}

export class LoadChild {
  readonly child: ChildProcess;
  readonly done: Promise<LoadEvent>;
  private readonly listeners: ((e: LoadEvent) => void)[] = [];

  constructor(mode: string, args: object, timeoutMs: number) {
    this.child = spawn(process.execPath, [MAIN, mode, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this.child);
    this.child.once('exit', () => running.delete(this.child));
    let stderr = '';
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    this.done = new Promise((resolve, reject) => {
      let result: LoadEvent | undefined;
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      createInterface({ input: this.child.stdout! }).on('line', (line) => {
        let e: LoadEvent;
        try {
          e = JSON.parse(line) as LoadEvent;
        } catch {
          return;
        }
        if (e.event === 'result' || e.event === 'error') result = e;
        for (const l of this.listeners) l(e);
      });
      this.child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (result?.event === 'result') resolve(result);
        else reject(new Error(`load ${mode} failed (${code ?? signal}): ${String(result?.message ?? stderr.trim().slice(-400))}`));
      });
    });
    this.done.catch(() => undefined);
  }

  onEvent(fn: (e: LoadEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Resolves at the first event with this name. */
  waitFor(name: string): Promise<LoadEvent> {
    return new Promise((resolve, reject) => {
      this.onEvent((e) => e.event === name && resolve(e));
      this.done.then(() => reject(new Error(`load ended before ${name}`)), reject);
    });
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs a load mode to completion and returns its result fields. */
export async function runLoad<T>(mode: string, args: object, timeoutMs: number): Promise<T> {
  const c = new LoadChild(mode, args, timeoutMs);
  return (await c.done) as unknown as T;
}
