import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/metrics/accumulator.js';

// buckets are 0.1% wide (ratio 1.001), values are reported at a bucket's geometric centre,
// clamped to the observed min and max: within 0.05% of the nearest-rank value
const near = (got: number, want: number) => expect(Math.abs(got / want - 1)).toBeLessThan(5e-4);

describe('LatencyHistogram (nearest-rank percentiles at bucket resolution)', () => {
  const h = new LatencyHistogram();
  // 100, 200, ..., 1000 ns, added out of order
  for (const v of [700, 100, 1000, 300, 900, 200, 500, 800, 400, 600]) h.add(v);

  it('p50 is the 5th of 10 values, p95 and p99 the 10th, p10 the 1st', () => {
    near(h.percentile(50), 500); // rank ceil(0.5 x 10) = 5
    near(h.percentile(95), 1000); // rank ceil(9.5) = 10
    near(h.percentile(99), 1000);
    near(h.percentile(10), 100); // rank 1: the minimum
    expect(h.percentile(100)).toBeLessThanOrEqual(1000); // clamped to the max
    expect(h.percentile(0)).toBeGreaterThanOrEqual(100); // rank 1, clamped to the min
  });

  it('mean, min, max and count are exact', () => {
    expect(h.count).toBe(10);
    expect(h.sum / h.count).toBe(550);
    expect(h.min).toBe(100);
    expect(h.max).toBe(1000);
  });

  it('the CDF at 10 points steps through the values in order', () => {
    const cdf = h.cdf(10);
    expect(cdf).toHaveLength(10);
    cdf.forEach(([ns, f], i) => {
      near(ns, 100 * (i + 1)); // the (i+1)-th value has rank i+1 = ceil(f x 10)
      expect(f).toBeCloseTo((i + 1) / 10, 12);
    });
  });

  it('one repeated latency (a batch in offline mode) is every percentile', () => {
    const one = new LatencyHistogram();
    for (let k = 0; k < 32; k++) one.add(1_240_000);
    for (const p of [1, 50, 95, 99, 100]) expect(one.percentile(p)).toBe(1_240_000); // min = max clamps
    expect(one.cdf(4).map(([ns]) => ns)).toEqual([1_240_000, 1_240_000, 1_240_000, 1_240_000]);
  });

  it('an empty histogram reports 0', () => {
    const e = new LatencyHistogram();
    expect(e.percentile(50)).toBe(0);
    expect(e.cdf(2)).toEqual([
      [0, 0.5],
      [0, 1],
    ]);
  });

  it('zero and sub-nanosecond latencies share the first bucket', () => {
    const z = new LatencyHistogram();
    z.add(0);
    z.add(0.5);
    z.add(3);
    expect(z.percentile(50)).toBeGreaterThanOrEqual(0);
    expect(z.percentile(50)).toBeLessThan(1.001); // bucket 0 covers [1, 1.001): centre 1.0005, at most the max
    near(z.percentile(100), 3);
  });
});
