"""Eager per-op host costs of the machine it runs on (the C0 protocol of the H100 calibration,
reduced): back-to-back time per op of tiny PyTorch ops whose kernels take well under the
dispatch time, plus idle synchronize and .item(). Used to write a hardware file for the host
of a lent machine (configs/hw/h100-lent.json). Not part of the build or tests.

Usage: python3 host-dispatch.py OUT.json
"""
import json, sys, time
import torch

dev = torch.device('cuda')
N, REPS = 2000, 7
a = torch.randn(4, 1024, device=dev, dtype=torch.float16)
w = torch.randn(1024, 1024, device=dev, dtype=torch.float16)
b = torch.randn(4, 1024, device=dev, dtype=torch.float16)
m = torch.rand(4, 1, device=dev) < 0.5
src = torch.randn(1024, 1024, device=dev, dtype=torch.float16)
idx = torch.arange(0, 8, 2, device=dev)
dst = torch.zeros(1024, 1024, device=dev, dtype=torch.float16)
ops = {
    'matmul': lambda: a @ w,
    'relu': lambda: torch.relu(a),
    'where': lambda: torch.where(m, a, b),
    'index_select': lambda: src.index_select(0, idx),
    'index_copy_': lambda: dst.index_copy_(0, idx, a),
}


def med(v):
    v = sorted(v)
    return v[len(v) // 2]


res = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'n': N, 'reps': REPS, 'backtoback_us_per_op': {}}
for name, f in ops.items():
    for _ in range(50):
        f()
    torch.cuda.synchronize()
    per = []
    for _ in range(REPS):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(N):
            f()
        e.record()
        torch.cuda.synchronize()
        per.append(s.elapsed_time(e) * 1000.0 / N)
    res['backtoback_us_per_op'][name] = {'median': med(per), 'min': min(per), 'max': max(per), 'samples': per}
    print(name, med(per), flush=True)
sync = []
for _ in range(2000):
    t = time.perf_counter()
    torch.cuda.synchronize()
    sync.append((time.perf_counter() - t) * 1e6)
res['synchronize_idle_us'] = med(sync)
x = torch.ones((), device=dev)
item = []
for _ in range(2000):
    torch.cuda.synchronize()
    t = time.perf_counter()
    x.item()
    item.append((time.perf_counter() - t) * 1e6)
res['item_us'] = med(item)
print('sync', res['synchronize_idle_us'], 'item', res['item_us'])
json.dump(res, open(sys.argv[1], 'w'), indent=1)
