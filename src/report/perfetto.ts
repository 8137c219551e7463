/**
 * Chrome trace-event JSON (the format Perfetto and chrome://tracing open) from timeline
 * slices: one thread track per resource (host CPU, link, accelerator), a complete ("X") event
 * per slice with its batch, gate and samples, and counter tracks for the active lane/PE share
 * and the masked (discarded) FLOPs of each kernel. Timestamps are microseconds, as the format
 * requires. Format reference: "Trace Event Format" (Google, docs.google.com/document/d/
 * 1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU).
 */
import type { TimelineOptions, TimelineSlice, TrackId } from '../engine/timeline.js';

const TID: Record<TrackId, number> = { host: 1, link: 2, accelerator: 3 };
const TRACK_NAME: Record<TrackId, string> = { host: 'host CPU', link: 'link', accelerator: 'accelerator' };

export interface TraceEvent {
  name: string;
  ph: 'X' | 'C' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface TraceFile {
  displayTimeUnit: 'ns';
  metadata: Record<string, unknown>;
  traceEvents: TraceEvent[];
}

const us = (ns: number) => Math.round(ns) / 1000; // ns resolution, in microseconds

export function toTraceEvents(
  slices: readonly TimelineSlice[],
  info: { title: string; options: TimelineOptions; truncated: boolean; batches: number },
): TraceFile {
  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: info.title } },
    ...(['host', 'link', 'accelerator'] as TrackId[]).map(
      (t): TraceEvent => ({ name: 'thread_name', ph: 'M', pid: 1, tid: TID[t], args: { name: TRACK_NAME[t] } }),
    ),
  ];
  const byTrack = new Map<TrackId, TimelineSlice[]>();
  for (const s of slices) {
    const list = byTrack.get(s.track) ?? [];
    list.push(s);
    byTrack.set(s.track, list);
  }
  const counters: TraceEvent[] = [];
  for (const [track, list] of byTrack) {
    list.sort((a, b) => a.startNs - b.startNs);
    for (const s of list) {
      const args: Record<string, unknown> = { batch: s.batch, samples: `${s.samples[0]}-${s.samples[1]}` };
      if (s.gate !== undefined) args.gate = s.gate;
      if (s.activeShare !== undefined) args.activeShare = s.activeShare;
      if (s.maskedFlops !== undefined) args.maskedFlops = s.maskedFlops;
      events.push({ name: s.name, cat: s.category, ph: 'X', pid: 1, tid: TID[track], ts: us(s.startNs), dur: us(s.durNs), args });
      if (s.activeShare !== undefined) {
        counters.push(
          { name: 'active lanes / PEs', ph: 'C', pid: 1, tid: 0, ts: us(s.startNs), args: { share: s.activeShare } },
          { name: 'active lanes / PEs', ph: 'C', pid: 1, tid: 0, ts: us(s.startNs + s.durNs), args: { share: 0 } },
          { name: 'masked FLOPs', ph: 'C', pid: 1, tid: 0, ts: us(s.startNs), args: { flops: s.maskedFlops ?? 0 } },
          { name: 'masked FLOPs', ph: 'C', pid: 1, tid: 0, ts: us(s.startNs + s.durNs), args: { flops: 0 } },
        );
      }
    }
  }
  // counters in time order (a slice ends exactly where the next begins: end first)
  counters.sort((a, b) => a.ts! - b.ts! || Number(valueOf(a) !== 0) - Number(valueOf(b) !== 0));
  events.push(...counters);
  const o = info.options;
  return {
    displayTimeUnit: 'ns',
    metadata: {
      generator: 'dynsim',
      window: {
        firstBatch: o.firstBatch,
        maxBatches: o.maxBatches,
        everyBatch: o.everyBatch,
        note: `batches ${o.firstBatch}..${o.firstBatch + o.maxBatches - 1}${o.everyBatch > 1 ? `, every ${o.everyBatch}th` : ''} of ${info.batches} recorded`,
      },
      truncated: info.truncated,
      maxSlices: o.maxSlices,
    },
    traceEvents: events,
  };
}

function valueOf(e: TraceEvent): number {
  const a = e.args ?? {};
  return Number((a.share as number | undefined) ?? (a.flops as number | undefined) ?? 0);
}
