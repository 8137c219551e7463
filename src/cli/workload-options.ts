/**
 * Options shared by the commands that simulate a workload (`run`, `compare`): what to run
 * (network, hardware, trace or synthetic trace) and how samples are batched.
 */
import type { Command } from 'commander';
import { RUN_DEFAULTS, type RunOptions } from '../api/run.js';
import { choiceArg, intArg, numArg } from './options.js';
import { EXECUTION_MODES, type ExecutionMode } from '../engine/exec.js';
import { pct } from './output.js';

export interface WorkloadFlags {
  network?: string;
  hw?: string;
  trace?: string;
  synthetic?: number;
  seed?: number;
  spec?: string;
  batch?: number;
  arrivalRate?: number;
  streaming?: boolean;
  batchTimeoutNs?: number;
  budgetNs?: number;
  anytime?: boolean;
  mode?: ExecutionMode;
  progress?: boolean;
}

export function addWorkloadOptions(cmd: Command): Command {
  return cmd
    .option('--network <file|preset>', `network (default ${RUN_DEFAULTS.network})`)
    .option('--hw <file|preset>', `hardware system (default ${RUN_DEFAULTS.hw})`)
    .option('--trace <file>', 'recorded trace (.jsonl or gzip)')
    .option('--synthetic <n>', `synthetic trace of n samples (default ${RUN_DEFAULTS.synthetic} when no --trace)`, intArg(1))
    .option('--seed <s>', 'seed of the synthetic trace and generated arrivals', intArg(0))
    .option('--spec <file>', 'synthetic spec JSON (see gen-trace)')
    .option('--batch <n>', `batch size, or max batch size when streaming (default ${RUN_DEFAULTS.batch})`, intArg(1))
    .option('--arrival-rate <hz>', 'streaming: Poisson arrivals at this rate (seeded)', numArg(Number.MIN_VALUE))
    .option('--streaming', "streaming with the trace's own arrival times")
    .option('--batch-timeout-ns <ns>', 'streaming: close a batch this long after its first arrival (default 1e6)', numArg(0))
    .option('--budget-ns <ns>', 'per-sample latency budget; reports the deadline-miss rate', numArg(Number.MIN_VALUE))
    .option('--anytime', 'early-exit networks: force the exit that meets --budget-ns (anytime prediction)')
    .option('--mode <m>', 'how the host issues kernels: eager (framework dispatch per op) | cuda (bare launches) | graph (CUDA graph replay) (default eager)', choiceArg(EXECUTION_MODES))
    .option('--no-progress', 'no progress bar on a terminal');
}

/** A progress callback drawing a bar on stderr when it is a terminal, else undefined. */
export function progressBar(enabled: boolean | undefined): {
  onProgress: ((done: number, total: number | undefined) => void) | undefined;
  clear: () => void;
} {
  const tty = Boolean(process.stderr.isTTY) && enabled !== false;
  let lastDraw = 0;
  return {
    onProgress: tty
      ? (n, total) => {
          const now = Date.now();
          if (now - lastDraw < 100) return;
          lastDraw = now;
          const frac = total ? Math.min(1, n / total) : 0;
          const bar = total ? `[${'#'.repeat(Math.round(frac * 30)).padEnd(30)}] ${pct(frac)} ` : '';
          process.stderr.write(`\r${bar}${n} samples`);
        }
      : undefined,
    clear: () => {
      if (tty && lastDraw > 0) process.stderr.write('\r\u001b[K');
    },
  };
}

export function workloadOptions(o: WorkloadFlags): RunOptions {
  return {
    network: o.network,
    hw: o.hw,
    trace: o.trace,
    synthetic: o.synthetic,
    seed: o.seed,
    specFile: o.spec,
    batch: o.batch,
    arrivalRateHz: o.arrivalRate,
    streaming: o.streaming,
    batchTimeoutNs: o.batchTimeoutNs,
    budgetNs: o.budgetNs,
    anytime: o.anytime,
    mode: o.mode,
  };
}
