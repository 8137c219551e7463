"""Measures a top-1 mixture-of-experts layer on a CUDA GPU under dynsim's MoE strategies, for
dynsim's composite validation (calibration/h100-composite/). Not part of the build or tests.

Network: x = x @ P (d x d), then E experts fc2(relu(fc1(x))) (d -> f -> d), each token routed
to one expert (the routes are given). Strategies (as dynsim implements them):
  mask    - every expert on every token; out.addcmul_(w[:, e], y_e) per expert (w one-hot)
  compact - tokens permuted by expert with one index_select, each expert on its contiguous
            slice (written in place), one index_copy_ back; the permutation is a device tensor
            known before the call
Modes: eager and graph (one CUDA graph per forward). Timing as skip-mlp.py.

Usage: python3 moe.py OUT.json
"""
import json, sys, time
import numpy as np
import torch

D, F, E = 2048, 8192, 8
CONFIGS = [512, 2048]  # tokens
ROUTINGS = ['uniform', 'skewed']
WARMUP, REPEATS = 3, 15
dev = torch.device('cuda')

try:
    import pynvml
    pynvml.nvmlInit()
    nvh = pynvml.nvmlDeviceGetHandleByIndex(0)
    sm_clock = lambda: pynvml.nvmlDeviceGetClockInfo(nvh, pynvml.NVML_CLOCK_SM)
except Exception:  # noqa: BLE001
    sm_clock = lambda: None


def fwd_mask(x, P, W1, W2, ctx):
    h = x @ P
    out = torch.zeros_like(h)
    for e in range(E):
        y = torch.relu(h @ W1[e]) @ W2[e]
        out.addcmul_(ctx['w'][e], y)
    return out


def fwd_compact(x, P, W1, W2, ctx):
    h = x @ P
    hs = h.index_select(0, ctx['perm'])
    ys = ctx['ys']
    for e in range(E):
        s, t = ctx['bounds'][e]
        if t > s:
            a = torch.relu(hs[s:t] @ W1[e])
            torch.mm(a, W2[e], out=ys[s:t])
    out = torch.empty_like(h)
    out.index_copy_(0, ctx['perm'], ys)
    return out


FWD = {'mask': fwd_mask, 'compact': fwd_compact}


def timed(run):
    out = []
    for r in range(WARMUP + REPEATS):
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        run()
        b.record()
        torch.cuda.synchronize()
        if r >= WARMUP:
            out.append(a.elapsed_time(b) * 1000.0)
    return out


def stats(v):
    v = sorted(v)
    return {'median': float(np.median(v)), 'min': v[0], 'max': v[-1], 'count': len(v), 'samples': v}


g = torch.Generator(device='cpu').manual_seed(1)
P = (torch.randn(D, D, generator=g) / D ** 0.5).to(dev, torch.float16)
W1 = [(torch.randn(D, F, generator=g) / D ** 0.5).to(dev, torch.float16) for _ in range(E)]
W2 = [(torch.randn(F, D, generator=g) / F ** 0.5).to(dev, torch.float16) for _ in range(E)]
res = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'd': D, 'f': F, 'experts': E,
       'warmup': WARMUP, 'repeats': REPEATS, 'timing': 'CUDA events around one forward (eager) or one graph replay (graph), us', 'runs': []}
for T in CONFIGS:
    x = torch.randn(T, D, generator=g).to(dev, torch.float16)
    for routing in ROUTINGS:
        rng = np.random.default_rng(T * 10 + len(routing))
        pe = np.ones(E) if routing == 'uniform' else 1.0 / np.arange(1, E + 1) ** 1.2
        route = rng.choice(E, size=T, p=pe / pe.sum())
        perm = np.argsort(route, kind='stable')
        counts = np.bincount(route, minlength=E)
        starts = np.concatenate([[0], np.cumsum(counts)])
        ctx = {
            'w': [torch.tensor((route == e).astype(np.float16), device=dev).unsqueeze(1) for e in range(E)],
            'perm': torch.tensor(perm, device=dev, dtype=torch.int64),
            'bounds': [(int(starts[e]), int(starts[e + 1])) for e in range(E)],
            'ys': torch.empty(T, D, device=dev, dtype=torch.float16),
        }
        for strategy in ['mask', 'compact']:
            for mode in ['eager', 'graph']:
                fn = FWD[strategy]
                try:
                    if mode == 'eager':
                        v = timed(lambda: fn(x, P, W1, W2, ctx))
                    else:
                        s = torch.cuda.Stream()
                        s.wait_stream(torch.cuda.current_stream())
                        with torch.cuda.stream(s):
                            for _ in range(2):
                                fn(x, P, W1, W2, ctx)
                        torch.cuda.current_stream().wait_stream(s)
                        gr = torch.cuda.CUDAGraph()
                        with torch.cuda.graph(gr):
                            fn(x, P, W1, W2, ctx)
                        v = timed(gr.replay)
                    st, err = stats(v), None
                except Exception as e:  # noqa: BLE001
                    st, err = None, repr(e)
                res['runs'].append({'tokens': T, 'routing': routing, 'strategy': strategy, 'mode': mode, 'us': st, 'error': err,
                                    'smClockMhzAfter': sm_clock(), 'route': route.tolist()})
                print(T, routing, strategy, mode, st['median'] if st else err, counts.tolist(), sm_clock(), flush=True)
                torch.cuda.synchronize()
                time.sleep(0.1)
json.dump(res, open(sys.argv[1], 'w'))
print('done', len(res['runs']))
