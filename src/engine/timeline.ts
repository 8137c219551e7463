/**
 * Timeline recording for trace viewers: the engine reports every slice it schedules (kernel,
 * transfer, host wait and decision, reconfiguration) to a TimelineRecorder, which keeps the
 * batches of a bounded window (or every k-th batch) in memory as plain records. Rendering to
 * the Chrome trace-event format lives in src/report/perfetto.ts; no I/O here.
 */

export type TrackId = 'host' | 'link' | 'accelerator';

export interface TimelineSlice {
  track: TrackId;
  /** What ran: layer name, `gather:<gate>`, `decide:<gate>`, ... */
  name: string;
  /** kernel | decider | head | regroup | transfer | notify | decision | reconfiguration */
  category: string;
  startNs: number;
  durNs: number;
  batch: number;
  gate?: string;
  /** First and last trace index of the batch's samples. */
  samples: [number, number];
  /** Kernels: share of issued lane/PE slots that were active, and FLOPs computed but not needed. */
  activeShare?: number;
  maskedFlops?: number;
}

export interface TimelineOptions {
  /** Record batches with index >= firstBatch ... @default 0 */
  firstBatch: number;
  /** ... and < firstBatch + maxBatches. @default 16 */
  maxBatches: number;
  /** Record every k-th batch inside the window. @default 1 */
  everyBatch: number;
  /** Hard cap on slices kept; recording stops (and says so) when reached. @default 200000 */
  maxSlices: number;
}

export const TIMELINE_DEFAULTS: TimelineOptions = { firstBatch: 0, maxBatches: 16, everyBatch: 1, maxSlices: 200_000 };

export class TimelineRecorder {
  readonly slices: TimelineSlice[] = [];
  truncated = false;
  private batch = -1;
  private samples: [number, number] = [0, 0];
  private on = false;

  constructor(readonly options: TimelineOptions = TIMELINE_DEFAULTS) {}

  /** Called by the engine before each batch. */
  beginBatch(index: number, firstSample: number, lastSample: number): void {
    const o = this.options;
    this.batch = index;
    this.samples = [firstSample, lastSample];
    this.on =
      !this.truncated &&
      index >= o.firstBatch &&
      index < o.firstBatch + o.maxBatches &&
      (index - o.firstBatch) % o.everyBatch === 0;
  }

  get recording(): boolean {
    return this.on;
  }

  add(s: Omit<TimelineSlice, 'batch' | 'samples'>): void {
    if (!this.on || s.durNs <= 0) return;
    if (this.slices.length >= this.options.maxSlices) {
      this.truncated = true;
      this.on = false;
      return;
    }
    this.slices.push({ ...s, batch: this.batch, samples: this.samples });
  }
}
