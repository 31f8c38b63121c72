/**
 * npm run bench [-- OPTIONS]: the options are in USAGE below (`npm run bench -- --help`).
 * Starts every participant on loopback, runs each scenario against each of them (interleaved,
 * participant order rotated every repetition), prints one table and the issue's target checks.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeMachine } from './machine.js';
import { killAll, freeStablePort, run } from './procs.js';
import { PROFILES } from './profile.js';
import { summarize } from './stats.js';
import { SCENARIOS } from './scenarios/index.js';
import { evaluateTargets, type Medians } from './checks.js';
import { renderChecks, renderTable } from './report.js';
import { LoadChild } from './load/driver.js';
import { startNginx } from './tools/nginx.js';
import { direct } from './participants/direct.js';
import { socat, socatRelays } from './participants/socat.js';
import { sshParticipant } from './participants/ssh.js';
import { ADIT_MAIN, aditParticipant } from './participants/adit.js';
import { externalParticipant } from './participants/external.js';
import { nodeRelays } from './participants/node-relays.js';
import type { Participant, Running, TargetPorts } from './participants/types.js';

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const USAGE = `usage: npm run bench [-- --quick] [--json FILE] [--reps N] [--only NAME,…] [--scenarios s1,s3,…] [--keep] [--floor]
  --quick       short run (1 repetition, under 2 minutes; a smoke run, not a result)
  --json FILE   also write raw figures, summaries, target checks and the machine description
  --reps N      repetitions per scenario (default 3)
  --only LIST   participants named exactly so, or else whose name contains the word
  --scenarios   scenario ids, s1 … s8 (docs/benchmarks.md, "What runs")
  --keep        keep the work directory with every participant's logs and configs
  --floor       add plain Node relays in adit's place (plain, TLS, masked): the floor Node sets,
                and two chained socats (latency): the floor C sets
`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        reps: { type: 'string' },
        only: { type: 'string' },
        scenarios: { type: 'string' },
        keep: { type: 'boolean', default: false },
        floor: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const opts = parseOptions();
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

async function toolsPresent(): Promise<boolean> {
  const r = await run('bash', ['-c', 'command -v iperf3 socat ssh wrk openssl && { command -v sshd || test -x /usr/sbin/sshd; } && { command -v nginx || test -x /usr/sbin/nginx; }'], 5000);
  return r.code === 0;
}

async function aditWorks(): Promise<string | undefined> {
  if (!existsSync(ADIT_MAIN)) return `${ADIT_MAIN} is not built`;
  for (const role of ['server', 'client']) {
    const r = await run(process.execPath, [ADIT_MAIN, role, '--help'], 15_000);
    if (r.code !== 0) return `adit ${role} --help exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const profile = { ...PROFILES[opts.quick ? 'quick' : 'default'] };
  if (opts.reps) profile.reps = Math.max(1, Number(opts.reps));
  const t0 = Date.now();

  if (!(await toolsPresent())) {
    log('tools missing, running bench/setup');
    const setup = await run('bash', [new URL('../../bench/setup', import.meta.url).pathname], 600_000, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (setup.code !== 0 || !(await toolsPresent())) throw new Error('bench/setup failed: install iperf3 socat openssh-server openssh-client wrk nginx');
  }

  const workDir = mkdtempSync(join(tmpdir(), 'adit-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  // However the harness ends (a closed pipe on stdout included), its helpers (nginx, sshd, adit…) go with it.
  process.once('exit', killAll);
  for (const s of [process.stdout, process.stderr]) s.on('error', () => process.exit(1));

  try {
    const machine = await describeMachine();
    log(`profile ${profile.name}, ${profile.reps} repetitions, work dir ${workDir}`);

    const targetsChild = new LoadChild('targets', {}, 24 * 3600_000);
    cleanups.push(async () => {
      targetsChild.send('stop');
      await targetsChild.done.catch(() => targetsChild.kill());
    });
    const ready = await targetsChild.waitFor('ready');
    const nginx = await startNginx(workDir);
    cleanups.push(() => nginx.proc.stop());
    const targets: TargetPorts = {
      iperf: await freeStablePort(),
      echo: ready.echo as number,
      rr: ready.rr as number,
      source: ready.source as number,
      http: nginx.port,
    };

    const notes: string[] = [];
    let participants: Participant[] = [direct, socat, sshParticipant('ssh -R default', undefined), sshParticipant('ssh -R aes128-gcm', 'aes128-gcm@openssh.com')];
    const aditProblem = await aditWorks();
    if (aditProblem) notes.push(`adit skipped: ${aditProblem}`);
    else participants.push(aditParticipant('adit ws', false), aditParticipant('adit wss', true));
    // A/B: another build of adit (e.g. a patched copy of dist/) as an extra participant in the same run.
    const variant = process.env.ADIT_BENCH_VARIANT;
    if (variant) participants.push(aditParticipant('adit ws variant', false, variant));
    // The floor of adit's two-process shape in Node (plain, with TLS between, with ws masking between), and in C
    // for latency (two socats), beside it in the same run.
    if (opts.floor) participants.push(nodeRelays('plain'), nodeRelays('tls'), nodeRelays('masked'), socatRelays);
    const ext = externalParticipant();
    if (ext) participants.push(ext);
    if (opts.only) {
      const want = opts.only.split(',').map((s) => s.trim().toLowerCase());
      // A word naming a participant exactly picks just it ('adit ws' is not 'adit wss'); otherwise any name containing it.
      const picks = (w: string) => (participants.some((p) => p.name.toLowerCase() === w) ? (n: string) => n === w : (n: string) => n.includes(w));
      participants = participants.filter((p) => want.some((w) => picks(w)(p.name.toLowerCase())));
    }
    const scenarios = opts.scenarios ? SCENARIOS.filter((s) => opts.scenarios!.split(',').includes(s.id)) : SCENARIOS;

    const running = new Map<string, Running>();
    for (const p of participants) {
      try {
        const r = await p.start(targets, workDir);
        running.set(p.name, r);
        cleanups.push(() => r.stop());
        log(`started ${p.name}`);
      } catch (e) {
        notes.push(`${p.name} could not start: ${(e as Error).message}`);
        log(`${p.name} could not start: ${(e as Error).message}`);
      }
    }
    const active = participants.filter((p) => running.has(p.name));
    // A readiness probe through a relay makes it dial the target, and a relay that only just started
    // may dial a while later: by then the first repetition's one-shot iperf3 (-1) may be listening,
    // take the probe's empty connection for its test and exit. Let those late dials fail first.
    await sleep(1000);

    const raw: Record<string, Record<string, number[]>> = {};
    const errors: { rep: number; scenario: string; participant: string; error: string }[] = [];
    for (let rep = 1; rep <= profile.reps; rep++) {
      for (const sc of scenarios) {
        // Rotate the order each repetition so no participant always runs first (or right after a heavy one).
        const order = active.map((_, i) => active[(i + rep - 1) % active.length]).filter((p) => sc.appliesTo(p) && (!p.scenarios || p.scenarios.includes(sc.id)));
        for (const p of order) {
          const started = Date.now();
          try {
            const figures = await sc.run({ participant: p, running: running.get(p.name)!, targets, profile, workDir });
            for (const [k, v] of Object.entries(figures)) ((raw[p.name] ??= {})[k] ??= []).push(v);
            log(`rep ${rep} ${sc.id} ${p.name}: ${Object.entries(figures).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(' ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          } catch (e) {
            errors.push({ rep, scenario: sc.id, participant: p.name, error: (e as Error).message });
            log(`rep ${rep} ${sc.id} ${p.name}: FAILED ${(e as Error).message}`);
          }
        }
      }
    }

    const medians: Medians = {};
    for (const [p, metrics] of Object.entries(raw)) {
      medians[p] = {};
      for (const [k, xs] of Object.entries(metrics)) medians[p][k] = summarize(xs);
    }
    const names = active.map((p) => p.name);
    const bound = [...running.values()].find((r) => r.windowBound)?.windowBound;
    const checks = evaluateTargets(medians, bound ? bound.bytes / 1048576 : undefined);
    const elapsed = (Date.now() - t0) / 1000;

    const out = process.stdout;
    out.write(`\nadit benchmark, profile ${profile.name}: median ±half-range over ${profile.reps} repetitions, ${elapsed.toFixed(0)} s\n`);
    out.write(`${machine.cpuModel}, ${machine.cores} cores, ${machine.kernel}, node ${machine.node}, adit ${machine.aditCommit}\n`);
    const loadEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
    out.write(`load average at start ${machine.loadAtStart.join(' ')}, at end ${loadEnd.join(' ')}\n`);
    if (Math.max(machine.loadAtStart[0], loadEnd[0]) > machine.cores * 0.75) {
      out.write('WARNING: other work was running on this machine; the figures below are skewed by it\n');
    }
    out.write(`scenario 7 holds ${profile.idleConnections} idle connections; scenario 6 runs ${profile.connConcurrency} at a time\n\n`);
    out.write(`${renderTable(medians, names)}\n\n`);
    if (bound) out.write(`slow-reader bound: ${(bound.bytes / 1048576).toFixed(3)} MiB ${bound.why}\n\n`);
    out.write(`${renderChecks(checks)}\n`);
    for (const n of notes) out.write(`note: ${n}\n`);
    for (const e of errors) out.write(`error: rep ${e.rep} ${e.scenario} ${e.participant}: ${e.error}\n`);

    if (opts.json) {
      writeFileSync(
        opts.json,
        `${JSON.stringify(
          {
            machine,
            profile,
            elapsedSeconds: elapsed,
            loadAtEnd: os.loadavg(),
            participants: active.map((p) => ({ name: p.name, kind: p.kind, describe: p.describe })),
            raw,
            summary: medians,
            windowBound: bound,
            checks,
            errors,
            notes,
          },
          null,
          2,
        )}\n`,
      );
      log(`wrote ${opts.json}`);
    }
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  killAll();
  process.exit(1);
});
