/**
 * Instruction-cache effects of a lane-mapped kernel whose path bodies are large (E1 on the
 * H100: rotating 32 bodies over the warps costs up to 5x, round-robin does not; a 138 KB
 * kernel running all 32 bodies costs 1.4x).
 *
 * Two mechanisms, each a simplification the measurements support in sign and order but not
 * in every magnitude (docs/correlation.md lists the residuals):
 * - Interleaved streams: a warp scheduler whose resident warps run different path bodies at
 *   the same time (warps with different path sets) fetches several instruction streams and
 *   issues `interleavePenalty` slower. Block placement on the SMs is not known, so the streams
 *   per scheduler are the expected number of distinct path sets among R warps drawn from the
 *   warps of that scheduler slot (warp index in its block mod schedulers), R = resident warps
 *   per scheduler.
 * - L1 overflow: when the bodies the kernel uses exceed the SM's L1 instruction cache, each
 *   pass of a warp group through a body fetches its lines from L2 one after another, so a
 *   pass takes at least lines x `fetchLatencyCycles` (the issue of the warps sharing the
 *   stream overlaps it).
 * The factor multiplies the kernel's issue cycles.
 */
import type { GpuSimt } from '../../formats/hardware.js';
import type { KernelSpec } from '../types.js';

export interface IcacheEffect {
  factor: number;
  /** Expected distinct instruction streams per warp scheduler (worst slot). */
  streamsPerScheduler: number;
  /** Code of the path bodies the kernel uses (bytes). */
  liveCodeBytes: number;
}

export function icacheEffect(kernel: KernelSpec, spec: GpuSimt, instrPerPass: number): IcacheEffect {
  const ic = spec.icache;
  const code = kernel.code;
  const none = { factor: 1, streamsPerScheduler: 1, liveCodeBytes: 0 };
  if (!ic || !code || kernel.unit !== 'vector') return none;
  const g = spec.warpSize;
  const schedulers = spec.schedulersPerSm;
  const warpsPerBlock = Math.max(1, Math.ceil(code.blockThreads / g));
  // path set of every warp with work, by scheduler slot
  const slots = Array.from({ length: schedulers }, () => new Map<string, number>());
  const used = new Set<number>();
  let warp = 0;
  let inWarp = 0;
  let set = new Set<number>();
  let activeWarps = 0;
  const close = () => {
    if (set.size > 0) {
      const key = [...set].sort((a, b) => a - b).join(',');
      const slot = slots[(warp % warpsPerBlock) % schedulers]!;
      slot.set(key, (slot.get(key) ?? 0) + 1);
      activeWarps++;
    }
    warp++;
    inWarp = 0;
    set = new Set();
  };
  for (const run of kernel.runs) {
    let rows = run.rows;
    while (rows > 0) {
      const n = Math.min(rows, g - inWarp);
      for (const p of run.paths) {
        set.add(p);
        used.add(p);
      }
      inWarp += n;
      rows -= n;
      if (inWarp === g) close();
      // whole warps of one run share one key: count them at once
      if (inWarp === 0 && rows >= g) {
        const whole = Math.floor(rows / g);
        if (run.paths.length > 0) {
          const key = [...run.paths].sort((a, b) => a - b).join(',');
          for (let w = 0; w < whole; w++) {
            const slot = slots[((warp + w) % warpsPerBlock) % schedulers]!;
            slot.set(key, (slot.get(key) ?? 0) + 1);
          }
          activeWarps += whole;
        }
        warp += whole;
        rows -= whole * g;
      }
    }
  }
  if (inWarp > 0) close();
  const resident = Math.max(1, Math.min(spec.maxWarpsPerSm, Math.ceil(activeWarps / spec.sms)) / schedulers);
  let streams = 1;
  for (const slot of slots) {
    let total = 0;
    for (const c of slot.values()) total += c;
    let expected = 0;
    for (const c of slot.values()) expected += 1 - Math.pow(1 - c / total, resident);
    if (expected > streams) streams = expected;
  }
  const liveCodeBytes = used.size * code.pathBytes;
  let factor = streams > 1.5 ? 1 + ic.interleavePenalty : 1;
  if (liveCodeBytes > ic.l1Bytes) {
    const lines = code.pathBytes / ic.lineBytes;
    factor = Math.max(factor, (lines * ic.fetchLatencyCycles) / (resident * instrPerPass));
  }
  return { factor, streamsPerScheduler: streams, liveCodeBytes };
}
