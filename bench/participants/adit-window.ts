/** The buffering bound adit promises for one stalled stream, read from the mux defaults the CLI uses. */
export async function aditWindowBound(): Promise<{ bytes: number; why: string } | undefined> {
  try {
    // Loaded at run time so the bench still builds and runs the other participants while src/mux is in flux.
    const mod = (await import(new URL('../../src/mux/config.js', import.meta.url).href)) as {
      DEFAULTS?: { maxWindow?: number; streamHighWaterMark?: number };
    };
    const maxWindow = mod.DEFAULTS?.maxWindow;
    const hwm = mod.DEFAULTS?.streamHighWaterMark ?? 0;
    if (!maxWindow) return undefined;
    return {
      bytes: maxWindow + hwm,
      why: `per process: one stream's receive window (maxWindow ${mib(maxWindow)}) + its writable high-water mark (${mib(hwm)})`,
    };
  } catch {
    return undefined;
  }
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(n % 1048576 ? 3 : 0)} MiB`;
}
