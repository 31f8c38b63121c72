/** What a participant is: something that makes the bench targets reachable on other loopback ports. */

/** Loopback ports of the services the scenarios talk to (the "home" side). */
export interface TargetPorts {
  iperf: number;
  /** Echoes every byte back (latency, idle connections). */
  echo: number;
  /** Answers one byte with one byte, then ends (connection rate). */
  rr: number;
  /** Sends bytes as fast as the reader takes them (slow reader). */
  source: number;
  /** nginx. */
  http: number;
}

export type TargetName = keyof TargetPorts;
export const TARGET_NAMES: TargetName[] = ['iperf', 'echo', 'rr', 'source', 'http'];

/** A process whose memory the memory and slow-reader scenarios watch. */
export interface Watched {
  role: 'server' | 'client' | 'relay';
  pid: number;
  /** Sum the RSS of the whole process tree (sshd keeps the session in a forked child). */
  tree: boolean;
}

export interface Running {
  /** Public ("cloud" side) port for each target, reached through the participant. */
  ports: TargetPorts;
  /** HTTP-by-Host route when the participant has one: wrk sends this Host header to this port. */
  httpRoute?: { port: number; host: string };
  watched: Watched[];
  /** Configured per-stream buffering bound, when the participant states one (slow-reader target). */
  windowBound?: { bytes: number; why: string };
  stop(): Promise<void>;
}

export interface Participant {
  name: string;
  /** 'tunnel' participants have server/client processes whose memory is measured. */
  kind: 'direct' | 'relay' | 'tunnel';
  /** Describes the setup for the report (cipher, TLS, versions). */
  describe: string;
  /** Only these scenarios (ids), for a reference point that stands for one figure; all when absent. */
  scenarios?: readonly string[];
  start(targets: TargetPorts, workDir: string): Promise<Running>;
}

/** A participant name made safe for file paths and config files ("ssh -R aes128-gcm" → "ssh-R-aes128-gcm"). */
export function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
}
