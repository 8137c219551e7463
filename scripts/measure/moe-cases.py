"""Converts moe.py's measurements (calibration/h100-composite/raw/moe.json) into dynsim
measurement cases: one network per token count (the T tokens of a forward are one sample), one
trace per (T, routing) with the exact routes, one case per (T, routing, strategy, mode).

Usage: python3 scripts/measure/moe-cases.py [calibration/h100-composite]
"""
import json, os, sys

out = sys.argv[1] if len(sys.argv) > 1 else 'calibration/h100-composite'
raw = json.load(open(os.path.join(out, 'raw', 'moe.json')))
D, F, E = raw['d'], raw['f'], raw['experts']


def network(T):
    return {'format': 'dynsim-network', 'version': 1, 'id': f'moe-t{T}',
            'description': f'A projection x @ P ({D} x {D}) then a top-1 mixture of {E} experts fc2(relu(fc1(x))) ({D} -> {F} -> {D}), fp16, '
                           f'no bias, over the {T} tokens of one forward (one sample); the routes are given (no router), no token dropped '
                           '(capacity factor = experts), as in scripts/measure/moe.py',
            'dtype': 'fp16',
            'layers': [{'name': 'proj', 'kind': 'linear', 'rows': T, 'inFeatures': D, 'outFeatures': D, 'bias': False}],
            'gates': [{'id': 'moe', 'kind': 'moe', 'after': 'proj', 'tokens': T, 'experts': E, 'topK': 1, 'capacityFactor': E,
                       'expert': [{'name': 'fc1', 'kind': 'linear', 'rows': 1, 'inFeatures': D, 'outFeatures': F, 'bias': False},
                                  {'name': 'act', 'kind': 'elementwise', 'op': 'relu', 'shape': [F]},
                                  {'name': 'fc2', 'kind': 'linear', 'rows': 1, 'inFeatures': F, 'outFeatures': D, 'bias': False}]}]}


def dump(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')


cases, seen = [], set()
for r in raw['runs']:
    if r['us'] is None:
        continue
    T, routing = r['tokens'], r['routing']
    net = f'moe-t{T}.json'
    if net not in seen:
        dump(os.path.join(out, net), network(T))
        seen.add(net)
    tr = f'traces/moe-t{T}-{routing}.jsonl'
    if tr not in seen:
        header = {'format': 'dynsim-trace', 'version': 1, 'network': f'moe-t{T}', 'gates': [{'id': 'moe', 'kind': 'moe', 'experts': E, 'topK': 1, 'tokens': T}],
                  'seed': None, 'samples': 1, 'provenance': {'from': 'scripts/measure/moe.py (numpy routes)', 'routing': routing}}
        with open(os.path.join(out, tr), 'w') as f:
            f.write(json.dumps(header) + '\n')
            f.write(json.dumps({'i': 0, 'd': {'moe': {'e': [[e] for e in r['route']]}}}, separators=(',', ':')) + '\n')
        seen.add(tr)
    u = r['us']
    cases.append({
        'format': 'dynsim-case', 'version': 1,
        'id': f"moe-t{T}-{routing}-{r['strategy']}-{r['mode']}",
        'description': f"top-1 MoE of {E} experts ({D} -> {F} -> {D}) over {T} tokens, {routing} routing, {r['strategy']} in {r['mode']} mode: one forward",
        'group': f"moe-t{T}-{routing}-{r['mode']}",
        'hardware': 'h100', 'mode': r['mode'], 'timing': 'single',
        'workload': {'kind': 'network', 'network': net, 'strategy': r['strategy'], 'batch': 1, 'trace': tr, 'quantity': 'total'},
        'measured': {'median': u['median'], 'min': u['min'], 'max': u['max'], 'unit': 'us', 'count': u['count'],
                     'samples': u['samples'], 'per': 'run', 'warmup': raw['warmup']},
        'device': {'name': raw['device'], 'smClockMhz': r['smClockMhzAfter'], 'software': f"torch {raw['torch']}"},
        'source': {'file': 'calibration/h100-composite/raw/moe.json', 'record': f"runs (T {T}, {routing}, {r['strategy']}, {r['mode']})"},
        'notes': 'measured by dynsim developers on a lent H100 (not the calibration card); mask also zero-fills the output once (not modelled); the eager times include this host\'s Python dispatch',
    })
dump(os.path.join(out, 'moe.json'), {'format': 'dynsim-cases', 'version': 1,
     'description': 'Top-1 MoE forwards under mask (dense) and compact (grouped) in eager and graph mode, measured on an H100 80GB HBM3 with scripts/measure/moe.py; kept aside from calibration: no constant of the h100 preset comes from these',
     'cases': cases})
print(len(cases), 'cases')
