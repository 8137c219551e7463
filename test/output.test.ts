import { describe, expect, it } from 'vitest';
import { dur, energy, sig, table } from '../src/cli/output.js';

describe('terminal number formatting', () => {
  it('three significant digits without eating integer zeros', () => {
    expect(sig(190.3)).toBe('190');
    expect(sig(100)).toBe('100');
    expect(sig(2.5)).toBe('2.5');
    expect(sig(2.504)).toBe('2.5');
    expect(sig(0.0123)).toBe('0.0123');
    expect(sig(20)).toBe('20');
    expect(sig(12345.6)).toBe('12346');
  });

  it('durations and energies pick their unit', () => {
    expect(dur(190_300)).toBe('190 us');
    expect(dur(812)).toBe('812 ns');
    expect(dur(27_000_000)).toBe('27 ms');
    expect(dur(1_200_000_000)).toBe('1.2 s');
    expect(energy(5.57e12)).toBe('5.57 J');
    expect(energy(3e6)).toBe('3 uJ');
  });

  it('tables align columns', () => {
    // widths 3 and 2, two spaces between columns, numbers right-aligned
    expect(table(['a', 'bb'], [['xyz', '1'], ['q', '22']])).toBe('a    bb\nxyz   1\nq    22');
  });
});
