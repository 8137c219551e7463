"""Converts skip-mlp.py's measurements (calibration/h100-composite/raw/skip-mlp.json) into
dynsim measurement cases: one network file per width, one trace per (d, B, p) holding the
exact skip bits, one case per (d, B, p, strategy, mode). Deterministic output.

Usage: python3 scripts/measure/skip-mlp-cases.py [calibration/h100-composite]
"""
import json, os, sys

out = sys.argv[1] if len(sys.argv) > 1 else 'calibration/h100-composite'
raw = json.load(open(os.path.join(out, 'raw', 'skip-mlp.json')))
L = raw['L']


def network(d):
    layers, gates = [], []
    for i in range(L):
        layers.append({'name': f'fc{i}', 'kind': 'linear', 'rows': 1, 'inFeatures': d, 'outFeatures': d, 'bias': False})
        layers.append({'name': f'relu{i}', 'kind': 'elementwise', 'op': 'relu', 'shape': [d]})
        gates.append({'id': f'skip{i}', 'kind': 'skip', 'layers': [f'fc{i}', f'relu{i}']})
    return {'format': 'dynsim-network', 'version': 1, 'id': f'skipmlp-d{d}-l{L}',
            'description': f'{L} blocks x = relu(x @ W_i), W_i {d} x {d} fp16 without bias, each bypassed per sample by a skip bit; '
                           'the gates carry no decider (the bits are given), as in scripts/measure/skip-mlp.py',
            'dtype': 'fp16', 'layers': layers, 'gates': gates}


def dump(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')


cases = []
seen_net, seen_trace = set(), set()
for r in raw['runs']:
    if r['us'] is None:
        continue
    d, B, p = r['d'], r['B'], r['p']
    net = f'skipmlp-d{d}-l{L}.json'
    if d not in seen_net:
        dump(os.path.join(out, net), network(d))
        seen_net.add(d)
    tr = f'traces/skipmlp-d{d}-b{B}-p{p}.jsonl'
    if (d, B, p) not in seen_trace:
        skip = r['skip']
        header = {'format': 'dynsim-trace', 'version': 1, 'network': f'skipmlp-d{d}-l{L}',
                  'gates': [{'id': f'skip{i}', 'kind': 'skip'} for i in range(L)], 'seed': None,
                  'samples': B, 'provenance': {'from': 'scripts/measure/skip-mlp.py (numpy Bernoulli bits)', 'pSkip': p}}
        with open(os.path.join(out, tr), 'w') as f:
            f.write(json.dumps(header) + '\n')
            for s in range(B):
                f.write(json.dumps({'i': s, 'd': {f'skip{i}': skip[i][s] for i in range(L)}}, separators=(',', ':')) + '\n')
        seen_trace.add((d, B, p))
    u = r['us']
    cases.append({
        'format': 'dynsim-case', 'version': 1,
        'id': f"skipmlp-d{d}-b{B}-p{p}-{r['strategy']}-{r['mode']}",
        'description': f"{L}-block skip-gated MLP, d = {d}, batch {B}, skip probability {p}, {r['strategy']} in {r['mode']} mode: one forward",
        'group': f'skipmlp-d{d}-b{B}-p{p}-{r["mode"]}',
        'hardware': 'h100', 'mode': r['mode'], 'timing': 'single',
        'workload': {'kind': 'network', 'network': net, 'strategy': r['strategy'], 'batch': B, 'trace': tr, 'quantity': 'total'},
        'measured': {'median': u['median'], 'min': u['min'], 'max': u['max'], 'unit': 'us', 'count': u['count'],
                     'samples': u['samples'], 'per': 'run', 'warmup': raw['warmup']},
        'device': {'name': raw['device'], 'smClockMhz': r['smClockMhzAfter'], 'software': f"torch {raw['torch']}"},
        'source': {'file': 'calibration/h100-composite/raw/skip-mlp.json', 'record': f"runs (d {d}, B {B}, p {p}, {r['strategy']}, {r['mode']})"},
        'notes': 'measured by dynsim developers on a lent H100 (not the calibration card); the eager times include this host\'s Python dispatch, which differs from the calibration host',
    })
dump(os.path.join(out, 'skip-mlp.json'), {'format': 'dynsim-cases', 'version': 1,
     'description': 'Skip-gated MLP forwards under static / mask / compact / host in eager and graph mode, measured on an H100 80GB HBM3 with scripts/measure/skip-mlp.py; kept aside from calibration: no constant of the h100 preset comes from these',
     'cases': cases})
print(len(cases), 'cases')
