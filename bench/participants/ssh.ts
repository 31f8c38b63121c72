/**
 * OpenSSH reverse forwarding: a throwaway sshd on a high loopback port (the "cloud" side) and an
 * `ssh -N -R` client (the "home" side). Own host key, own authorized key, config in the work dir.
 */
import { mkdirSync, writeFileSync, chmodSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { freePorts, run, startProcess, waitForPort, type Spawned } from '../procs.js';
import { TARGET_NAMES, slug, type Participant, type TargetPorts } from './types.js';

const SSHD = existsSync('/usr/sbin/sshd') ? '/usr/sbin/sshd' : 'sshd';

async function keygen(file: string): Promise<void> {
  const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'adit-bench', '-f', file]);
  if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export function sshParticipant(name: string, cipher: string | undefined): Participant {
  return {
    name,
    kind: 'tunnel',
    describe: `OpenSSH sshd + ssh -N -R, cipher ${cipher ?? 'default (chacha20-poly1305@openssh.com)'}`,
    async start(targets, workDir) {
      const dir = join(workDir, slug(name));
      mkdirSync(dir, { recursive: true });
      // sshd refuses to start without its privilege separation directory.
      mkdirSync('/run/sshd', { recursive: true });
      const hostKey = join(dir, 'host_ed25519');
      const clientKey = join(dir, 'client_ed25519');
      await keygen(hostKey);
      await keygen(clientKey);
      const authorized = join(dir, 'authorized_keys');
      writeFileSync(authorized, readFileSync(`${clientKey}.pub`));
      chmodSync(authorized, 0o600);
      const [sshPort, ...pubPorts] = await freePorts(1 + TARGET_NAMES.length);
      const user = userInfo().username;
      const cfg = join(dir, 'sshd_config');
      writeFileSync(
        cfg,
        [
          `Port ${sshPort}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${hostKey}`,
          `AuthorizedKeysFile ${authorized}`,
          'PidFile none',
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'AllowTcpForwarding remote',
          'PermitListen any',
          'GatewayPorts no',
          'X11Forwarding no',
          'PrintMotd no',
          'UseDNS no',
          'MaxStartups 64',
          'ClientAliveInterval 0',
          'LogLevel ERROR',
          '',
        ].join('\n'),
      );
      const sshd = startProcess(SSHD, ['-D', '-e', '-f', cfg], join(dir, 'sshd.log'));
      const procs: Spawned[] = [sshd];
      const stop = async () => {
        for (const p of procs.reverse()) await p.stop();
      };
      try {
        await waitForPort(sshPort, 10_000, 'sshd');
        const pub = {} as TargetPorts;
        const fwd: string[] = [];
        TARGET_NAMES.forEach((t, i) => {
          pub[t] = pubPorts[i];
          fwd.push('-R', `127.0.0.1:${pubPorts[i]}:127.0.0.1:${targets[t]}`);
        });
        const args = [
          '-N', '-T', '-F', '/dev/null', '-p', String(sshPort), '-i', clientKey,
          '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no',
          '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ExitOnForwardFailure=yes', '-o', 'Compression=no',
          '-o', 'LogLevel=ERROR',
          ...(cipher ? ['-c', cipher] : []),
          ...fwd,
          `${user}@127.0.0.1`,
        ];
        const client = startProcess('ssh', args, join(dir, 'ssh.log'));
        procs.push(client);
        for (const t of TARGET_NAMES) await waitForPort(pub[t], 15_000, `${name} forward for ${t}`);
        return {
          ports: pub,
          watched: [
            // The forwarded listeners and channels live in sshd's per-connection child.
            { role: 'server', pid: sshd.pid, tree: true },
            { role: 'client', pid: client.pid, tree: false },
          ],
          stop,
        };
      } catch (e) {
        await stop();
        throw e;
      }
    },
  };
}
