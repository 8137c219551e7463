/**
 * TraceSource: the one interface the engine reads decisions through. A recorded JSONL file,
 * a synthetic generator, or a future columnar (Arrow/Parquet) reader each implement it, so a
 * new format never changes the engine.
 *
 * Contract: `header` is available before iteration; `samples()` may be called more than once
 * and yields the same records in the same order each time; memory stays bounded regardless of
 * trace length (records are produced one at a time).
 */
import type { SampleRecord, TraceHeader } from '../formats/trace.js';

export interface TraceSource {
  readonly header: TraceHeader;
  /** Where the trace comes from, for messages and provenance (a path or "synthetic"). */
  readonly origin: string;
  samples(): AsyncIterable<SampleRecord>;
  /** The same records in arrays (one per read chunk): the fast path for the engine. */
  chunks(): AsyncIterable<SampleRecord[]>;
}
