import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloneJob, type JobStatus, type SimulatedJob } from './sagemaker-simulator.js';

/** Seconds after the scenario's start at which each sample job reaches each state. */
const SCENARIO: Record<string, Array<[JobStatus, number]>> = {
  'xgboost-churn-default': [
    ['PENDING', 0],
    ['IN_PROGRESS', 10],
    ['COMPLETED', 45],
  ],
  'resnet-serverless': [
    ['PENDING', 5],
    ['IN_PROGRESS', 15],
    ['COMPLETED', 60],
  ],
  'sklearn-failed': [
    ['PENDING', 5],
    ['IN_PROGRESS', 20],
    ['FAILED', 50],
  ],
  'bert-qa-advanced': [
    ['PENDING', 10],
    ['IN_PROGRESS', 25],
    ['COMPLETED', 75],
  ],
  'tabular-stopped': [
    ['PENDING', 10],
    ['IN_PROGRESS', 30],
    ['STOPPING', 70],
    ['STOPPED', 80],
  ],
  'gpu-nan-infinity': [
    ['PENDING', 15],
    ['IN_PROGRESS', 30],
    ['COMPLETED', 90],
  ],
  'llama-existing-endpoints': [
    ['PENDING', 20],
    ['IN_PROGRESS', 40],
    ['COMPLETED', 100],
  ],
  'large-sweep-250': [
    ['PENDING', 20],
    ['IN_PROGRESS', 45],
    ['COMPLETED', 110],
  ],
};

export const SCENARIO_SECONDS = Math.max(
  ...Object.values(SCENARIO).map((timeline) => timeline[timeline.length - 1]![1]),
);

/**
 * The scenario's jobs move through their states over a minute or two after the stack's first
 * start (`speed` compresses that for demos and tests). The start is kept in the data folder, so a
 * restart finds the same jobs where they are.
 */
export function scenarioJobs(
  samples: SimulatedJob[],
  dataDir: string,
  options: { now?: number; speed?: number } = {},
): SimulatedJob[] {
  const now = options.now ?? Date.now();
  const speed = options.speed ?? 1;
  const file = join(dataDir, 'scenario.json');
  let start = now;
  if (existsSync(file)) {
    start = (JSON.parse(readFileSync(file, 'utf8')) as { start: number }).start;
  } else {
    writeFileSync(file, `${JSON.stringify({ start })}\n`);
  }
  return samples.flatMap((sample) => {
    const jobName = String(sample.describe.JobName);
    const timeline = SCENARIO[jobName];
    if (!timeline) return [];
    return [
      cloneJob(sample, {
        jobName,
        start,
        fitToTimeline: true,
        timeline: timeline.map(([status, seconds]) => ({
          status,
          afterMs: (seconds * 1000) / speed,
        })),
      }),
    ];
  });
}
