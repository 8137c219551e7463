/**
 * Token slots per expert of an MoE layer for `tokens` tokens (Switch Transformer: capacity
 * factor x tokens x k / experts, rounded up; the tolerance keeps 1.1 x 3200 / 8 at 440, not
 * 441). Kept apart from the format schemas: the run path needs it without them.
 */
export function expertCapacity(capacityFactor: number, tokens: number, topK: number, experts: number): number {
  return Math.ceil((capacityFactor * tokens * topK) / experts - 1e-9);
}
