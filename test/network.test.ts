import { describe, expect, it } from 'vitest';
import { Network } from '../src/formats/network.js';
import { validateWith } from '../src/formats/validate.js';
import { resolveNetwork } from '../src/network/resolve.js';
import { convOut, layerWork } from '../src/network/work.js';
import { sampleFlops } from '../src/network/flops.js';
import { errorLines, rawToyNetwork, toyNetwork } from './helpers/fixtures.js';


describe('layer work (hand-derived)', () => {
  it('conv2d: ResNet-18 conv1 7x7/2 on 224x224x3 -> 112x112x64', () => {
    const w = layerWork(
      { kind: 'conv2d', name: 'c', h: 224, w: 224, c: 3, k: 64, r: 7, s: 7, stride: 2, padding: 3, groups: 1 },
      'fp16',
    );
    expect(convOut(224, 7, 2, 3)).toBe(112);
    expect(w.macs).toBe(112 * 112 * 64 * 7 * 7 * 3); // 118,013,952
    expect(w.flops).toBe(236_027_904);
    expect(w.weightBytes).toBe(64 * 7 * 7 * 3 * 2);
    expect(w.inputBytes).toBe(224 * 224 * 3 * 2);
    expect(w.outputBytes).toBe(112 * 112 * 64 * 2);
    expect(w.gemm).toEqual({ m: 112 * 112, k: 7 * 7 * 3, n: 64 });
  });

  it('conv2d: depthwise groups divide the reduction', () => {
    const w = layerWork(
      { kind: 'conv2d', name: 'dw', h: 56, w: 56, c: 32, k: 32, r: 3, s: 3, stride: 1, padding: 1, groups: 32 },
      'int8',
    );
    expect(w.macs).toBe(56 * 56 * 32 * 9);
    expect(w.weightBytes).toBe(32 * 9);
  });

  it('linear: 2*rows*in*out plus bias, weights in the layer dtype', () => {
    const w = layerWork({ kind: 'linear', name: 'fc', rows: 128, inFeatures: 768, outFeatures: 3072, bias: true, dtype: 'fp32' }, 'fp16');
    expect(w.flops).toBe(2 * 128 * 768 * 3072 + 128 * 3072);
    expect(w.weightBytes).toBe((768 * 3072 + 3072) * 4);
    expect(w.gemm).toEqual({ m: 128, k: 768, n: 3072 });
  });

  it('attention: QK^T and AV MACs plus 5 FLOPs per softmax score', () => {
    const w = layerWork({ kind: 'attention', name: 'a', tokens: 197, heads: 6, headDim: 64 }, 'fp16');
    const scores = 6 * 197 * 197;
    expect(w.macs).toBe(2 * scores * 64);
    expect(w.flops).toBe(4 * scores * 64 + 5 * scores);
  });

  it('elementwise, norm and pooling', () => {
    expect(layerWork({ kind: 'elementwise', name: 'r', op: 'add', shape: [64, 56, 56], operands: 2, flopsPerElement: 1 }, 'fp16')).toMatchObject({
      flops: 64 * 56 * 56,
      inputBytes: 2 * 64 * 56 * 56 * 2,
    });
    expect(layerWork({ kind: 'norm', name: 'n', op: 'layernorm', shape: [197, 384], flopsPerElement: 5 }, 'fp16')).toMatchObject({
      flops: 5 * 197 * 384,
      weightBytes: 2 * 384 * 2,
    });
    // ResNet maxpool 3x3/2 pad 1: 112 -> 56
    const p = layerWork({ kind: 'pooling', name: 'p', op: 'max', h: 112, w: 112, c: 64, r: 3, s: 3, stride: 2, padding: 1 }, 'fp16');
    expect(p.flops).toBe(56 * 56 * 64 * 9);
  });
});

describe('network resolution', () => {
  it('static FLOPs: backbone with temporal steps plus every expert on every token', () => {
    const net = toyNetwork();
    const lin = 2 * 8 * 8;
    // 7 single-row layers (l7 x 10 steps) + l5 with 4 rows; moe: 4 experts x 4 tokens x one 8x8 expert
    expect(net.staticFlops).toBe(6 * lin + 4 * lin + 10 * lin + 4 * 4 * lin);
  });

  it('useful FLOPs follow the decisions', () => {
    const net = toyNetwork();
    const lin = 128;
    const open = sampleFlops(net, {});
    // all open: backbone (l7 x 10) + head h0 + topK=2 experts on 4 tokens + router (4 x 8 x 4 x 2) + 0 deciders else
    expect(open.useful).toBe(6 * lin + 4 * lin + 10 * lin + lin + 2 * 4 * lin + 2 * 4 * 8 * 4);
    const d = {
      sk: 1,
      ex: 1,
      moe: { e: [[0], [1, 2], [], [3]] },
      ch: 4,
      sp: { active: 4 },
      tm: { active: 5 },
    };
    const f = sampleFlops(net, d);
    // l0, l3, l4, l5*(4/8)*4rows, l6*(4/16), l7*5 ; head; 4 expert assignments; router
    const expected = lin + lin + lin + 0.5 * 4 * lin + 0.25 * lin + 5 * lin + lin + 4 * lin + 256;
    expect(f.useful).toBeCloseTo(expected, 9);
    expect(f.byGate.moe).toBe(4 * lin);
    // exit at 0 (after l3): nothing past l3 runs, later gates not counted
    const early = sampleFlops(net, { sk: 0, ex: 0 });
    expect(early.useful).toBe(4 * lin + lin);
  });

  it('rejects unknown layer references, non-contiguous skip blocks and bad channel counts', () => {
    const raw = rawToyNetwork();
    const gates = raw.gates as Record<string, unknown>[];
    gates[0] = { id: 'sk', kind: 'skip', layers: ['l1', 'l3'] };
    gates[3] = { id: 'ch', kind: 'channel', layers: ['l5', 'nope'], channels: 16, granularity: 3 };
    const msgs = errorLines(() => resolveNetwork(Network.parse(raw), 'n.json'));
    expect(msgs).toContain('n.json: gates[0].layers[1]: expected the layer right after "l1" (a skip block is contiguous), got "l3"');
    expect(msgs).toContain('n.json: gates[3].layers[1]: unknown layer "nope" (not in layers)');
    expect(msgs).toContain('n.json: gates[3].granularity: expected a divisor of channels (16), got 3');
    expect(msgs).toContain('n.json: gates[3].channels: expected 8 (output channels of "l5"), got 16');
  });

  it('rejects duplicate names, unordered exits and topK > experts', () => {
    const raw = rawToyNetwork();
    (raw.layers as Record<string, unknown>[])[1]!.name = 'l0';
    const gates = raw.gates as Record<string, unknown>[];
    gates[1] = { id: 'ex', kind: 'exit', exits: [{ after: 'l4', head: [] }] };
    const schemaMsgs = errorLines(() => validateWith(Network, raw, 'n.json'));
    expect(schemaMsgs).toContain('n.json: gates[1].exits[0].head: expected >= 1 items, got 0');
    gates[1] = {
      id: 'ex',
      kind: 'exit',
      exits: [
        { after: 'l4', head: [{ kind: 'linear', name: 'h', inFeatures: 8, outFeatures: 2 }] },
        { after: 'l3', head: [{ kind: 'linear', name: 'h', inFeatures: 8, outFeatures: 2 }] },
      ],
    };
    (gates[2] as Record<string, unknown>).topK = 5;
    const msgs = errorLines(() => resolveNetwork(validateWith(Network, raw, 'n.json'), 'n.json'));
    expect(msgs).toContain('n.json: layers[1].name: duplicate layer name "l0" (also layers[0])');
    expect(msgs.some((m) => m.startsWith('n.json: gates[1].exits[1].after: expected an exit after a later layer'))).toBe(true);
    expect(msgs).toContain('n.json: gates[2].topK: expected at most experts (4), got 5');
  });
});

describe('network schema errors', () => {
  it('unknown layer kind lists the valid kinds', () => {
    const raw = rawToyNetwork();
    (raw.layers as Record<string, unknown>[])[2] = { kind: 'lstm', name: 'x' };
    expect(errorLines(() => validateWith(Network, raw, 'n.json'))).toEqual([
      'n.json: layers[2].kind: expected "linear" | "conv2d" | "attention" | "elementwise" | "norm" | "pooling", got "lstm"',
    ]);
  });

  it('unknown keys, wrong types, missing fields and bad enums are each reported with a path', () => {
    const raw = rawToyNetwork();
    const layers = raw.layers as Record<string, unknown>[];
    layers[0] = { ...layers[0], stirde: 2 };
    layers[1] = { ...layers[1], inFeatures: '8' };
    delete layers[3]!.outFeatures;
    raw.dtype = 'fp8';
    const msgs = errorLines(() => validateWith(Network, raw, 'n.json'));
    expect(msgs).toContain('n.json: layers[0]: unknown key "stirde"');
    expect(msgs).toContain('n.json: layers[1].inFeatures: expected number, got "8"');
    expect(msgs).toContain('n.json: layers[3].outFeatures: expected number, got nothing');
    expect(msgs).toContain('n.json: dtype: expected "fp32" | "fp16" | "bf16" | "int8", got "fp8"');
  });

  it('wrong format name and version', () => {
    const raw = { ...rawToyNetwork(), format: 'dynsim-net', version: 2 };
    const msgs = errorLines(() => validateWith(Network, raw, 'n.json'));
    expect(msgs).toContain('n.json: format: expected "dynsim-network", got "dynsim-net"');
    expect(msgs).toContain('n.json: version: expected 1, got 2');
  });

  it('non-positive and fractional sizes are rejected', () => {
    const raw = rawToyNetwork();
    (raw.layers as Record<string, unknown>[])[0]!.inFeatures = 0;
    (raw.layers as Record<string, unknown>[])[1]!.rows = 1.5;
    const msgs = errorLines(() => validateWith(Network, raw, 'n.json'));
    expect(msgs).toContain('n.json: layers[0].inFeatures: expected a value >= 1, got 0');
    expect(msgs).toContain('n.json: layers[1].rows: expected an integer, got 1.5');
  });
});
