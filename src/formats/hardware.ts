/**
 * Hardware description format (`dynsim-hardware`, version 1). A file describes a system:
 * one host CPU, one link and one accelerator, each selecting its model by `kind`. Every
 * parameter has its unit in its name; each is either required or has a visible default.
 * `sources` maps a parameter path (e.g. `accelerator.sms`) to the citation of its value.
 */
import * as z from 'zod';

const pos = (what: string) => z.number().positive().describe(what);
const nonneg = (what: string) => z.number().min(0).describe(what);
const count = (what: string) => z.number().int().min(1).describe(what);

export const HostCpu = z
  .strictObject({
    kind: z.literal('host-cpu'),
    name: z.string().optional(),
    cores: count('CPU cores available to the runtime (decisions can run in parallel on them).'),
    clockGhz: pos('Core clock (GHz).'),
    decisionLatencyNs: nonneg(
      "Eager mode: host time to turn a gate's device-resident decision for a batch into a host value and branch on it, beyond the wait for the device (the framework's readback, e.g. PyTorch .item()); a CUDA program (cuda / graph mode) branches on the copied word at no modelled cost (ns).",
    ),
    dispatchNs: nonneg(
      'Framework dispatch cost per operator launched from the host in eager mode (ns).',
    ),
    dispatchNsByOp: z
      .strictObject({
        matmul: nonneg('GEMM-like ops: linear, conv2d, attention (cuBLAS / cuDNN dispatch).').optional(),
        gather: nonneg('Row gather (index_select) of regrouping strategies.').optional(),
        scatter: nonneg('Row scatter (index_copy_) of regrouping strategies.').optional(),
      })
      .optional()
      .describe('Eager per-op dispatch by op kind (ns); an op kind not listed costs dispatchNs.'),
    notify: z
      .enum(['polling', 'interrupt'])
      .default('polling')
      .describe('How the host learns that the device reached a gate.'),
    pollIntervalNs: nonneg('Polling period; a notification waits half of it on average (ns).').default(
      1000,
    ),
    interruptLatencyNs: nonneg('Interrupt delivery + wake-up latency (ns).').default(5000),
    syncCallNs: nonneg(
      "Eager mode: the framework's own cost of a synchronising call (torch.cuda.synchronize, .item(), .cpu()) on the host before it waits for the device; the wait ends no earlier than this plus the notification (ns).",
    ).default(0),
  })
  .describe('Host CPU: makes host-side gate decisions and dispatches work to the accelerator.');
export type HostCpu = z.infer<typeof HostCpu>;

export const Link = z
  .strictObject({
    kind: z.literal('link'),
    type: z.enum(['pcie', 'on-chip', 'nvlink-c2c']).describe('Physical link between host and device.'),
    latencyNs: nonneg('One-way latency of a small transfer (ns).'),
    bandwidthGBps: pos('Sustained bandwidth per direction (GB/s = 1e9 bytes/s).'),
  })
  .describe('Host <-> accelerator link.');
export type Link = z.infer<typeof Link>;

export const DtypeRate = z.strictObject({
  fp32: nonneg('FLOPs per cycle per unit for fp32.'),
  fp16: nonneg('FLOPs per cycle per unit for fp16.'),
  bf16: nonneg('FLOPs per cycle per unit for bf16.'),
  int8: nonneg('Ops per cycle per unit for int8.'),
});

export const GpuEnergy = z
  .strictObject({
    tensorFlopPj: nonneg('Dynamic energy per tensor-core FLOP (pJ).'),
    vectorFlopPj: nonneg('Dynamic energy per CUDA-core FLOP (pJ).'),
    dramBytePj: nonneg('Energy per byte moved to/from device memory (pJ).'),
    l2BytePj: nonneg('Energy per byte served by L2 (pJ).'),
    staticPowerW: nonneg('Static (idle) power of the device (W).'),
  })
  .describe('Accelergy-style energy table for the GPU.');

export const GpuSimt = z
  .strictObject({
    kind: z.literal('gpu-simt'),
    name: z.string().optional(),
    sms: count('Streaming multiprocessors.'),
    warpSize: count('Lanes per warp.').default(32),
    maxWarpsPerSm: count('Resident warps per SM (occupancy limit).'),
    clockMhz: pos('SM clock (MHz); accelerator cycles are counted at this clock.'),
    tensorFlopsPerCyclePerSm: DtypeRate.describe('Dense tensor-core throughput per SM per cycle.'),
    tensorEfficiency: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe(
        'Share of the dense tensor peak (tensorFlopsPerCyclePerSm) that a well-tuned GEMM sustains (unit-free, 0..1]; scales the tensor rate of every tensor kernel.',
      ),
    vectorFlopsPerCyclePerSm: pos('CUDA-core fp32 FLOPs per SM per cycle (FMA = 2).'),
    emptyWarpCycles: nonneg(
      'SM cycles a launched warp (vector kernels) or CTA (tensor kernels) costs when none of its lanes has work: it is scheduled, finds nothing and exits.',
    ).default(0),
    schedulersPerSm: count('Warp schedulers (SM sub-partitions) per SM; a warp stays on one.').default(4),
    icache: z
      .strictObject({
        l1Bytes: count('SM-wide L1 instruction cache (bytes).'),
        lineBytes: count('Instruction cache line (bytes).').default(128),
        fetchLatencyCycles: nonneg('SM cycles to fetch one instruction line from L2 when the L1 instruction cache is overflowed (lines of one stream are fetched one after another).'),
        interleavePenalty: nonneg('Issue slow-down (fraction) of a warp scheduler whose resident warps run several path bodies at once.'),
      })
      .optional()
      .describe('Instruction-cache effects of lane-mapped kernels that state their code size; absent: none.'),
    emptyGridWarpCycles: nonneg(
      'SM cycles per warp of a launch in which no warp has work: the warps are only launched and retired, with no working warp to take time from. Absent: emptyWarpCycles.',
    ).optional(),
    pathEntryInstr: nonneg(
      'Warp instructions a lane-mapped (vector) kernel with more than one compiled path issues per path a warp enters: the dispatch (compare/branch tree, jump table) and the reconvergence around the path body. Charged once per distinct path per warp, so a warp with k paths pays it k times.',
    ).default(0),
    loopControlInstr: nonneg(
      'Warp instructions of one iteration of a counted loop beyond its body (counter update, compare, branch); charged per loop trip where a kernel states its trip count (PathWork.loopTrips).',
    ).default(0),
    kernelTailNs: nonneg(
      'Device time every non-empty kernel adds beyond its blocks\' work: CTA rasterisation ramp, the first dependent memory accesses, the last wave\'s drain and completion. Kernels of one stream run one after another, so it is never hidden (ns).',
    ).default(0),
    copyInstrPerElement: z
      .strictObject({
        gather: nonneg('Row gather (index_select).').optional(),
        scatter: nonneg('Row scatter (index_copy_).').optional(),
        select: nonneg('Masked select merging two tensors by a broadcast mask (torch.where), the mask strategy\'s blend.').optional(),
      })
      .optional()
      .describe(
        'Warp instructions per element (per lane) that the framework\'s row gather / scatter kernels issue: index arithmetic of an element-wise kernel bounds it by issue rather than by memory when large.',
      ),
    sustainedClockMhz: pos(
      'SM clock the device settles to under sustained load at its power limit (MHz); compute-bound kernels slow down by clockMhz / sustainedClockMhz once the device has been busy for throttleAfterNs. Absent: no throttling.',
    ).optional(),
    throttleAfterNs: nonneg('Accumulated device busy time after which the clock drops to sustainedClockMhz (ns).').default(0),
    ctaOverheadCycles: nonneg(
      "SM cycles a tensor-core CTA (one output tile) spends besides its K loop: the prologue filling its operand pipeline and the epilogue storing the tile.",
    ).default(0),
    memBandwidthGBps: pos('Sustained device-memory bandwidth of kernels (GB/s).'),
    copyEngineGBps: pos('Device-to-device cudaMemcpy bandwidth through the copy engines, read + write counted (GB/s); absent: memBandwidthGBps.').optional(),
    l2Bytes: count('L2 cache capacity (bytes).'),
    l2BandwidthGBps: pos('L2 bandwidth (GB/s).'),
    kernelLaunchNs: nonneg('Back-to-back kernel launch interval (ns).'),
    syncNs: nonneg('Launch + device synchronise round trip (ns).'),
    graphNodeNs: nonneg('Per-node cost of a replayed CUDA graph (ns).'),
    graphLaunchNs: nonneg('Host time to launch one captured CUDA graph (cudaGraphLaunch) (ns); absent: kernelLaunchNs.').optional(),
    graphIfElseNodeNs: nonneg(
      'Device time of a CUDA-graph IF/ELSE conditional node: evaluating its handle and launching the chosen body graph from the device (ns).',
    ).default(0),
    graphWhileIterationNs: nonneg(
      'Device time of one iteration of a CUDA-graph WHILE conditional node beyond its body: re-evaluating the handle and relaunching the body from the device (ns).',
    ).default(0),
    gemmTile: z
      .strictObject({ m: count('Tile rows.'), n: count('Tile columns.'), k: count('K step.') })
      .describe('Thread-block tile of the GEMM kernels.'),
    gemmTileAlternatives: z
      .array(z.strictObject({ m: count('Tile rows.'), n: count('Tile columns.'), k: count('K step.') }))
      .optional()
      .describe(
        'Further tiles the GEMM library has: a single-path tensor kernel runs with whichever of gemmTile and these is fastest for its shape (a tuned library\'s heuristic); divergent (multi-path) kernels keep gemmTile.',
      ),
    energy: GpuEnergy,
  })
  .describe('GPU with SIMT lanes: SMs, warps, tensor/vector throughput, memory, launch costs.');
export type GpuSimt = z.infer<typeof GpuSimt>;

export const Dataflow = z.enum(['os', 'ws', 'is']).describe('Output-, weight- or input-stationary.');

export const ArrayEnergy = z
  .strictObject({
    macPj: nonneg('Energy per MAC (pJ).'),
    sramReadPj: nonneg('Energy per SRAM word read (pJ).'),
    sramWritePj: nonneg('Energy per SRAM word written (pJ).'),
    dramBytePj: nonneg('Energy per DRAM byte (pJ).'),
    staticPowerMw: nonneg('Static power of the accelerator (mW).'),
  })
  .describe('Accelergy-style energy table for the array.');

export const SpatialArray = z
  .strictObject({
    kind: z.literal('spatial-array'),
    name: z.string().optional(),
    rows: count('PE rows.'),
    cols: count('PE columns.'),
    dataflow: Dataflow,
    tiles: count('Identical array tiles.').default(1),
    clockMhz: pos('Array clock (MHz).'),
    wordBytes: count('Bytes per operand word.').default(2),
    ifmapSramBytes: count('Input feature map SRAM per tile (bytes).'),
    filterSramBytes: count('Filter (weight) SRAM per tile (bytes).'),
    ofmapSramBytes: count('Output feature map SRAM per tile (bytes).'),
    dramBandwidthBytesPerCycle: pos('DRAM bandwidth shared by all tiles (bytes per cycle).'),
    nocBandwidthBytesPerCycle: pos('On-chip network bandwidth between tiles (bytes per cycle).')
      .optional()
      .describe('Required when tiles > 1.'),
    configLoadNs: nonneg('Time to load a new dataflow configuration (ns).'),
    residentConfigs: count('Precompiled configurations that can be resident at once.').default(1),
    energy: ArrayEnergy,
  })
  .describe('Static-dataflow spatial array (systolic or CGRA-like), possibly several tiles.');
export type SpatialArray = z.infer<typeof SpatialArray>;

export const Accelerator = z.discriminatedUnion('kind', [GpuSimt, SpatialArray]);
export type Accelerator = z.infer<typeof Accelerator>;
export type AcceleratorKind = Accelerator['kind'];

export const HARDWARE_FORMAT = 'dynsim-hardware';
export const HARDWARE_VERSION = 1;

export const HardwareSystem = z
  .strictObject({
    $schema: z.string().optional(),
    format: z.literal(HARDWARE_FORMAT),
    version: z.literal(HARDWARE_VERSION),
    id: z.string().min(1),
    description: z.string().optional(),
    host: HostCpu,
    link: Link,
    accelerator: Accelerator,
    sources: z
      .record(z.string(), z.string().min(1))
      .default({})
      .describe('Citation per parameter path (e.g. "accelerator.sms"), or per object path.'),
  })
  .describe('dynsim hardware system: host CPU + link + one accelerator');
export type HardwareSystem = z.infer<typeof HardwareSystem>;
