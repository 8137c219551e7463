/**
 * Element types of the network format and their sizes, without the zod schemas of
 * src/formats/network.ts (which re-exports them): the simulation code needs the sizes, and a
 * replay of bundled presets does not build the schemas (src/formats/presets.ts).
 */
export const DTYPES = ['fp32', 'fp16', 'bf16', 'int8'] as const;

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<(typeof DTYPES)[number], number>> = { fp32: 4, fp16: 2, bf16: 2, int8: 1 };
