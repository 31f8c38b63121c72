import type { Participant, Running, TargetPorts } from '../participants/types.js';
import type { Profile } from '../profile.js';

export interface ScenarioContext {
  participant: Participant;
  running: Running;
  targets: TargetPorts;
  profile: Profile;
  workDir: string;
}

/** Metric name → one measured value for this repetition. */
export type Figures = Record<string, number>;

export interface Scenario {
  id: string;
  title: string;
  appliesTo(p: Participant): boolean;
  run(ctx: ScenarioContext): Promise<Figures>;
}

export interface MetricInfo {
  label: string;
  unit: string;
  /** Number of decimals in the table. */
  digits: number;
}
