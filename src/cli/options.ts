import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createRequire } from 'node:module';

// yaml is loaded only when a file is read: most deployments configure by flags and env alone.
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';

/**
 * One setting of a command: a flag, its environment variable and its config-file
 * key. Values resolve flags > environment > config file > default, and every
 * value is validated with a message that names where it came from.
 */
export type OptionType = 'string' | 'int' | 'port' | 'duration' | 'size' | 'bool' | 'list';

export interface OptionSpec {
  /** camelCase key in the config file and in the resolved values. */
  key: string;
  type: OptionType;
  description: string;
  /** Value placeholder in help, e.g. "port". Ignored for bool. */
  arg?: string;
  default?: unknown;
  /** Extra flag names (inlets spellings) that set the same key. */
  aliases?: string[];
  /** Environment variable; default ADIT_ + UPPER_SNAKE(key). false: none. */
  env?: string | false;
  /** Not echoed in errors. */
  secret?: boolean;
}

export type Resolved = Record<string, unknown>;

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function envName(spec: OptionSpec): string | undefined {
  if (spec.env === false) return undefined;
  return spec.env ?? `ADIT_${kebab(spec.key).replace(/-/g, '_').toUpperCase()}`;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the spec's flags (and alias flags) to a commander command, without defaults so sources stay visible. */
export function registerOptions(cmd: Command, specs: OptionSpec[]): void {
  for (const spec of specs) {
    for (const name of [kebab(spec.key), ...(spec.aliases ?? [])]) {
      const isAlias = name !== kebab(spec.key);
      const desc = isAlias ? `alias of --${kebab(spec.key)}` : describe(spec);
      let opt: Option;
      if (spec.type === 'bool') {
        // Optional value so that both `--insecure` and the Go style `--strict-forwarding=false` work.
        opt = new Option(`--${name} [bool]`, desc);
      } else {
        opt = new Option(`--${name} <${spec.arg ?? 'value'}>`, desc);
        if (spec.type === 'list') opt.argParser(collect);
      }
      if (isAlias) opt.hideHelp();
      cmd.addOption(opt);
    }
  }
}

function describe(spec: OptionSpec): string {
  const parts = [spec.description];
  const env = envName(spec);
  if (env) parts.push(`[env ${env}]`);
  if (spec.default !== undefined && !spec.secret) {
    parts.push(`(default: ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`);
  }
  return parts.join(' ');
}

/** Reads a YAML config file into a plain object; keys are checked against the specs. */
export function loadConfigFile(path: string, specs: OptionSpec[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${path} must be a YAML mapping of keys to values`);
  const known = new Set(specs.map((s) => s.key));
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) {
      throw new ConfigError(`unknown key "${key}" in config file ${path} (known keys: ${[...known].sort().join(', ')})`);
    }
  }
  return doc as Record<string, unknown>;
}

/**
 * Resolves every spec: command-line value > environment > config file > default.
 * `cli` holds commander's parsed values (keys are camelCased flag names).
 */
export function resolveValues(
  specs: OptionSpec[],
  cli: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  file: Record<string, unknown>,
  fileName = 'config file',
): Resolved {
  const out: Resolved = {};
  for (const spec of specs) {
    const flags = [kebab(spec.key), ...(spec.aliases ?? [])];
    let value: unknown;
    let origin = '';
    for (const f of flags) {
      const v = cli[camel(f)];
      if (v === undefined) continue;
      if (spec.type === 'list' && Array.isArray(value)) {
        value = [...value, ...(v as string[])];
      } else {
        value = v;
      }
      origin = `--${f}`;
    }
    const envVar = envName(spec);
    if (value === undefined && envVar && env[envVar] !== undefined && env[envVar] !== '') {
      value = env[envVar];
      origin = `environment variable ${envVar}`;
    }
    if (value === undefined && file[spec.key] !== undefined && file[spec.key] !== null) {
      value = file[spec.key];
      origin = `key "${spec.key}" in ${fileName}`;
    }
    if (value === undefined) {
      out[spec.key] = spec.default === undefined ? undefined : coerce(spec, spec.default, 'the default');
      continue;
    }
    out[spec.key] = coerce(spec, value, origin);
  }
  return out;
}

function bad(spec: OptionSpec, value: unknown, origin: string, why: string): ConfigError {
  const shown = spec.secret ? '(hidden)' : JSON.stringify(value);
  return new ConfigError(`invalid value ${shown} for ${spec.key} (from ${origin}): ${why}`);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };

/** Bytes for "65536", "64KiB", "256MiB", "1GiB" (and decimal kB/MB/GB). */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

export function coerce(spec: OptionSpec, value: unknown, origin: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof value === 'number') return String(value);
      if (typeof value !== 'string') throw bad(spec, value, origin, 'expected a string');
      return value;
    case 'bool': {
      if (value === true || value === false) return value;
      const s = String(value).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      throw bad(spec, value, origin, 'expected true or false');
    }
    case 'int':
    case 'port': {
      const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < 0) throw bad(spec, value, origin, 'expected a whole number');
      if (spec.type === 'port' && n > 65535) throw bad(spec, value, origin, 'expected a port number from 0 to 65535');
      return n;
    }
    case 'size': {
      const bytes = typeof value === 'number' ? value : parseSize(String(value));
      if (bytes === undefined || !Number.isInteger(bytes) || bytes < 0) throw bad(spec, value, origin, 'expected a size such as 65536, 64KiB or 256MiB');
      return bytes;
    }
    case 'duration': {
      if (typeof value === 'number' && value === 0) return 0;
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms === undefined) throw bad(spec, value, origin, 'expected a duration such as 500ms, 30s, 1m30s or 2h');
      return ms;
    }
    case 'list': {
      const items = Array.isArray(value) ? value : [value];
      const out: string[] = [];
      for (const item of items) {
        if (typeof item !== 'string' && typeof item !== 'number') throw bad(spec, value, origin, 'expected a string or a list of strings');
        // Comma lists are accepted everywhere, as inlets does for --upstream.
        for (const part of String(item).split(',')) {
          const t = part.trim();
          if (t) out.push(t);
        }
      }
      return out;
    }
  }
}
