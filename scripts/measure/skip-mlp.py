"""Measures a skip-gated MLP on a CUDA GPU under dynsim's execution strategies, for
dynsim's composite validation (calibration/h100-composite/). Not part of the build or tests.

Network: L blocks x = relu(x @ W_i) (fp16, no bias), block i bypassed per sample when its
skip bit is 1. Strategies (as dynsim implements them):
  static  - every block on every sample
  mask    - every block on every sample, then x = where(skip_i, x, y) (a select kernel)
  compact - rows that run block i: index_select, the block, index_copy_ back (indices are
            device tensors known before the call: no host synchronisation)
  host    - compact, with the indices computed in the forward by torch.nonzero (a device ->
            host synchronisation per block); eager only
Modes: eager (Python ops) and graph (the forward captured in one CUDA graph, replayed).
Timing: CUDA events around one forward (eager) or one replay (graph); torch.cuda.synchronize()
before each sample; warm-up samples first; a pause between configurations so that no
configuration runs at the power-limited clock (the SM clock is read after each one).

Usage: python3 skip-mlp.py OUT.json
"""
import json, sys, time
import numpy as np
import torch

L = 8
CONFIGS = [(1024, 256), (4096, 512), (4096, 2048)]  # (d, B)
PS = [0.25, 0.5, 0.75]
WARMUP, REPEATS = 3, 15
dev = torch.device('cuda')
torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = True

try:
    import pynvml
    pynvml.nvmlInit()
    nvh = pynvml.nvmlDeviceGetHandleByIndex(0)
    sm_clock = lambda: pynvml.nvmlDeviceGetClockInfo(nvh, pynvml.NVML_CLOCK_SM)
except Exception:  # noqa: BLE001
    sm_clock = lambda: None


def fwd_static(x, Ws, ctx):
    for W in Ws:
        x = torch.relu(x @ W)
    return x


def fwd_mask(x, Ws, ctx):
    for i, W in enumerate(Ws):
        y = torch.relu(x @ W)
        x = torch.where(ctx['skip'][i], x, y)
    return x


def fwd_compact(x, Ws, ctx):
    x = x.clone()
    for i, W in enumerate(Ws):
        idx = ctx['idx'][i]
        xa = x.index_select(0, idx)
        ya = torch.relu(xa @ W)
        x.index_copy_(0, idx, ya)
    return x


def fwd_host(x, Ws, ctx):
    x = x.clone()
    for i, W in enumerate(Ws):
        idx = torch.nonzero(ctx['keep'][i]).squeeze(1)  # synchronises: the count goes to the host
        xa = x.index_select(0, idx)
        ya = torch.relu(xa @ W)
        x.index_copy_(0, idx, ya)
    return x


FWD = {'static': fwd_static, 'mask': fwd_mask, 'compact': fwd_compact, 'host': fwd_host}


def time_eager(fn, x, Ws, ctx):
    out = []
    for r in range(WARMUP + REPEATS):
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn(x, Ws, ctx)
        b.record()
        torch.cuda.synchronize()
        if r >= WARMUP:
            out.append(a.elapsed_time(b) * 1000.0)
    return out


def time_graph(fn, x, Ws, ctx):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):
            fn(x, Ws, ctx)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn(x, Ws, ctx)
    out = []
    for r in range(WARMUP + REPEATS):
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        torch.cuda.synchronize()
        if r >= WARMUP:
            out.append(a.elapsed_time(b) * 1000.0)
    return out


def stats(v):
    v = sorted(v)
    return {'median': float(np.median(v)), 'min': v[0], 'max': v[-1], 'count': len(v), 'samples': v}


res = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'L': L, 'warmup': WARMUP,
       'repeats': REPEATS, 'timing': 'CUDA events around one forward (eager) or one graph replay (graph), us', 'runs': []}
for d, B in CONFIGS:
    g = torch.Generator(device='cpu').manual_seed(d * 7 + B)
    Ws = [(torch.randn(d, d, generator=g) / d ** 0.5).to(dev, torch.float16) for _ in range(L)]
    x = torch.randn(B, d, generator=g).to(dev, torch.float16)
    for p in PS:
        rng = np.random.default_rng(int(d * 1000 + B + p * 100))
        skip = rng.random((L, B)) < p  # skip bit per block and sample
        ctx = {
            'skip': [torch.tensor(skip[i], device=dev).unsqueeze(1) for i in range(L)],
            'keep': [torch.tensor(~skip[i], device=dev) for i in range(L)],
            'idx': [torch.tensor(np.nonzero(~skip[i])[0], device=dev, dtype=torch.int64) for i in range(L)],
        }
        for strategy in ['static', 'mask', 'compact', 'host']:
            if strategy == 'static' and p != PS[0]:
                continue
            for mode in ['eager', 'graph']:
                if strategy == 'host' and mode == 'graph':
                    continue
                t0 = time.time()
                try:
                    v = (time_eager if mode == 'eager' else time_graph)(FWD[strategy], x, Ws, ctx)
                    st = stats(v)
                    err = None
                except Exception as e:  # noqa: BLE001
                    st, err = None, repr(e)
                res['runs'].append({'d': d, 'B': B, 'L': L, 'p': p, 'strategy': strategy, 'mode': mode, 'us': st,
                                    'error': err, 'smClockMhzAfter': sm_clock(), 'skip': skip.astype(int).tolist(),
                                    'wallS': time.time() - t0})
                print(d, B, p, strategy, mode, st['median'] if st else err, sm_clock(), flush=True)
                torch.cuda.synchronize()
                time.sleep(0.05)
json.dump(res, open(sys.argv[1], 'w'))
print('done', len(res['runs']))
