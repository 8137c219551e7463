/**
 * Option value parsers for commander: each rejects bad values with a message naming the
 * option, what was expected and what was given (commander prefixes the option name).
 */
import { InvalidArgumentError } from 'commander';

export function intArg(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${v}"`);
    return n;
  };
}

export function numArg(min: number, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected a number ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}, got "${v}"`,
      );
    return n;
  };
}

export function listArg(parse: (v: string) => number) {
  return (v: string): number[] => v.split(',').map((x) => parse(x.trim()));
}

export function choiceArg<T extends string>(choices: readonly T[]) {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${v}"`);
    return v as T;
  };
}
