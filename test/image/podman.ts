import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Rootful podman as it works in this sandbox: runc as the runtime, and a
 * containers.conf with no default ulimits (the sandbox refuses to set them).
 */
export class Podman {
  readonly env: NodeJS.ProcessEnv;
  private readonly dir: string;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'adit-podman-'));
    this.dir = dir;
    const conf = join(dir, 'containers.conf');
    writeFileSync(conf, '[containers]\ndefault_ulimits = []\n');
    this.env = { ...process.env, CONTAINERS_CONF: conf };
  }

  /** Removes the containers.conf directory. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs podman; rejects with its stderr on a non-zero exit. */
  async cmd(args: string[], timeoutMs = 60_000): Promise<string> {
    try {
      const { stdout } = await run('podman', args, { env: this.env, timeout: timeoutMs, maxBuffer: 64 << 20 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`podman ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
    }
  }

  /** `podman run -d` with the runtime pinned; returns the container id. */
  async runDetached(name: string, runArgs: string[], image: string, args: string[]): Promise<string> {
    return (await this.cmd(['run', '-d', '--runtime', 'runc', '--name', name, ...runArgs, image, ...args])).trim();
  }

  async inspect(name: string, format: string): Promise<string> {
    return (await this.cmd(['inspect', '--format', format, name])).trim();
  }

  async logs(name: string): Promise<string> {
    try {
      const { stdout, stderr } = await run('podman', ['logs', name], { env: this.env, timeout: 30_000, maxBuffer: 16 << 20 });
      return stdout + stderr;
    } catch {
      return '';
    }
  }

  /** Best effort, for cleanup paths. */
  async quiet(args: string[]): Promise<void> {
    try {
      await run('podman', args, { env: this.env, timeout: 60_000 });
    } catch {
      // already gone
    }
  }
}

export async function hasCommand(cmd: string, args: string[] = ['--version']): Promise<boolean> {
  try {
    await run(cmd, args, { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
