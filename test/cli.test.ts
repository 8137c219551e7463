import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { VERSION } from '../src/version.js';
import { tmpDir } from './helpers/fixtures.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli.js');

describe('dynsim CLI in-process', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const r = await runCli(['--version']);
    expect(r).toEqual({ stdout: `${VERSION}\n`, stderr: '', exitCode: 0 });
  });

  it('--help on every command', async () => {
    for (const cmd of ['validate', 'gen-trace', 'inspect']) {
      const r = await runCli([cmd, '--help']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(`Usage: dynsim ${cmd}`);
    }
  });

  it('gen-trace then inspect --json: per-gate statistics and the ideal saving', async () => {
    const out = join(tmpDir(), 't.jsonl');
    const g = await runCli(['gen-trace', '--network', 'skipnet-resnet18', '--samples', '1000', '--seed', '1', '-o', out, '--skip-prob', '0.3']);
    expect(g.stderr).toBe('');
    expect(g.exitCode).toBe(0);
    const r = await runCli(['inspect', out, '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as { stats: { samples: number; gates: { kind: string; skipRate: number }[]; flops: { idealSaving: number } } };
    expect(j.stats.samples).toBe(1000);
    const skips = j.stats.gates.filter((x) => x.kind === 'skip');
    expect(skips.length).toBeGreaterThan(0);
    const mean = skips.reduce((s, x) => s + x.skipRate, 0) / skips.length;
    expect(mean).toBeGreaterThan(0.25);
    expect(mean).toBeLessThan(0.35);
    expect(j.stats.flops.idealSaving).toBeGreaterThan(0);
    expect(j.stats.flops.idealSaving).toBeLessThan(1);
  });

  it('same seed: byte-identical traces; validate accepts them against the network', async () => {
    const dir = tmpDir();
    for (const f of ['a.jsonl.gz', 'b.jsonl.gz'])
      expect((await runCli(['gen-trace', '--network', 'switch-moe', '--samples', '20', '--seed', '7', '-o', join(dir, f)])).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'a.jsonl.gz')).equals(readFileSync(join(dir, 'b.jsonl.gz')))).toBe(true);
    const v = await runCli(['validate', '--network', 'switch-moe', join(dir, 'a.jsonl.gz')]);
    expect(v.stdout).toContain('20 samples');
    expect(v.exitCode).toBe(0);
  });

  it('every bundled file validates', async () => {
    const files = ['networks', 'hw'].flatMap((d) =>
      readdirSync(join(root, 'configs', d)).map((f) => join(root, 'configs', d, f)),
    );
    const r = await runCli(['validate', ...files]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok')).length).toBe(files.length);
  });

  it('usage errors exit 2 with a message naming the option', async () => {
    const r = await runCli(['gen-trace', '--network', 'msdnet', '--samples', 'many', '-o', 'x.jsonl']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/option '--samples <n>' argument 'many' is invalid\. expected an integer >= 0, got "many"/);
    const u = await runCli(['frobnicate']);
    expect(u.exitCode).toBe(2);
    expect(u.stderr).toMatch(/unknown command 'frobnicate'/);
    const m = await runCli(['gen-trace', '--samples', '3']);
    expect(m.exitCode).toBe(2);
    expect(m.stderr).toMatch(/required option '--network <file\|preset>' not specified/);
  });

  it('input errors exit 2, name file and path, print no stack and write nothing', async () => {
    const dir = tmpDir();
    const net = join(dir, 'net.json');
    writeFileSync(net, JSON.stringify({ format: 'dynsim-network', version: 1, id: 'x', layers: [{ kind: 'conv3d', name: 'a' }] }));
    const out = join(dir, 'out.jsonl');
    const r = await runCli(['gen-trace', '--network', net, '--samples', '5', '-o', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${net}: layers[0].kind: expected "linear" | "conv2d" | "attention" | "elementwise" | "norm" | "pooling", got "conv3d"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual(['net.json']);
    const p = await runCli(['gen-trace', '--network', 'resnet', '--samples', '5', '-o', out]);
    expect(p.exitCode).toBe(2);
    expect(p.stderr).toContain('unknown network preset "resnet" (expected a file path or one of: channel-gated-resnet, dynamicvit, msdnet, skip-rnn, skipnet-resnet18, switch-moe)');
    const v = await runCli(['validate', net, join(dir, 'missing.json')]);
    expect(v.exitCode).toBe(2);
    expect(v.stderr).toContain(`${join(dir, 'missing.json')}: cannot read: no such file`);
  });

  it('validate and report on a file whose top level is not an object say what it holds', async () => {
    const dir = tmpDir();
    const cases: [string, unknown, string][] = [
      ['arr.json', [1, 2, 3], 'an array of 3'],
      ['num.json', 42, '42'],
      ['str.json', 'x', '"x"'],
      ['null.json', null, 'null'],
    ];
    for (const [name, value, got] of cases) {
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(value));
      const v = await runCli(['validate', f]);
      expect(v.exitCode, name).toBe(2);
      expect(v.stderr).toContain(`${f}: expected a JSON object with "format": one of "dynsim-network" | "dynsim-hardware" | `);
      expect(v.stderr).toContain(`, got ${got}\n`);
      expect(v.stderr).not.toContain('got nothing');
      const out = join(dir, `${name}.html`);
      const r = await runCli(['report', f, '-o', out]);
      expect(r.exitCode, name).toBe(2);
      expect(r.stderr).toContain(`${f}: expected a JSON object with "format": "dynsim-result" | "dynsim-compare" (a file written by run -o or compare -o), got ${got}\n`);
      expect(existsSync(out)).toBe(false);
    }
    // an object without a format still names the field
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    expect((await runCli(['validate', empty])).stderr).toContain(`${empty}: format: expected one of "dynsim-network"`);
  });

  it('inspect rejects a trace that does not match the given network', async () => {
    const out = join(tmpDir(), 't.jsonl');
    await runCli(['gen-trace', '--network', 'msdnet', '--samples', '5', '-o', out]);
    const r = await runCli(['inspect', out, '--network', 'skip-rnn']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/t\.jsonl:1: network: expected "skip-rnn" .*got "msdnet"/);
  });
});

describe('errors name the input at fault', () => {
  it('validate --network with an unknown network blames the option, not the trace', async () => {
    const t = join(tmpDir(), 't.jsonl');
    await runCli(['gen-trace', '--network', 'msdnet', '--samples', '3', '-o', t]);
    const r = await runCli(['validate', '--network', 'bogus', t]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown network preset "bogus"/);
    expect(r.stdout).not.toMatch(/invalid trace/);
  });

  it('a plan strategy that cannot run on the accelerator names the plan file and the gate', async () => {
    const plan = join(tmpDir(), 'plan.json');
    writeFileSync(plan, JSON.stringify({ format: 'dynsim-plan', version: 1, network: 'skipnet-resnet18', gates: { 'skip.layer2.0': 'multi-kernel' } }));
    const r = await runCli(['run', '--synthetic', '10', '--plan', plan]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/plan\.json: gates\.skip\.layer2\.0: strategy "multi-kernel" does not apply to a gpu-simt \(h100\); it needs spatial-array/);
  });

  it("a plan's default strategy that cannot run on the accelerator names the plan file", async () => {
    const plan = join(tmpDir(), 'plan.json');
    writeFileSync(plan, JSON.stringify({ format: 'dynsim-plan', version: 1, network: 'skipnet-resnet18', default: 'multi-kernel', gates: {} }));
    const r = await runCli(['run', '--synthetic', '10', '--plan', plan]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/plan\.json: default: strategy "multi-kernel" does not apply to a gpu-simt/);
  });

  it('compare on a recorded trace uses the network its header names', async () => {
    const r = await runCli(['compare', '--trace', join(root, 'traces', 'msdnet.jsonl'), '--strategies', 'mask,compact', '--no-search', '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as { config: { network: string }; gates: Record<string, unknown> };
    expect(j.config.network).toBe('msdnet');
    expect(Object.keys(j.gates).length).toBeGreaterThan(0);
  });

  it('two outputs naming one file are refused before the run', async () => {
    const f = join(tmpDir(), 'x.json');
    const r = await runCli(['run', '--synthetic', '10', '-o', f, '--report', f]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/x\.json: named by two outputs/);
  });

  it('a trace of a network that is no preset, without --network, asks for the network file', async () => {
    const dir = tmpDir();
    const t = join(dir, 't.jsonl');
    await runCli(['gen-trace', '--network', 'msdnet', '--samples', '3', '-o', t]);
    const lines = readFileSync(t, 'utf8').split('\n');
    lines[0] = lines[0]!.replace('"network":"msdnet"', '"network":"my-net"');
    writeFileSync(t, lines.join('\n'));
    const r = await runCli(['run', '--trace', t]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/t\.jsonl:1: network: the trace's network "my-net" is not a bundled preset: give its network file with --network/);
  });
});

describe('compare options', () => {
  it('a strategy listed twice runs once', async () => {
    const r = await runCli(['compare', '--synthetic', '20', '--strategies', 'mask,compact,mask', '--no-search', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as { strategies: { strategy: string }[] };
    expect(j.strategies.map((x) => x.strategy)).toEqual(['mask', 'compact', 'planned']); // planned: the per-gate mix
  });
});

describe('outputs of a failed run: none of them, old files kept', () => {
  it('an unwritable -o fails before the run and writes no timeline, report or CSV either', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'r.html'), 'old');
    const r = await runCli(['run', '--synthetic', '50', '-o', join(dir, 'nodir', 'out.json'), '--timeline', join(dir, 'tl.json'), '--report', join(dir, 'r.html'), '--csv', join(dir, 'pre')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nodir[/\\]out\.json: cannot write: no such directory/);
    expect(readdirSync(dir)).toEqual(['r.html']);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe('old');
  });

  it('a trace that fails midway (gzip, line 200) leaves no CSV, JSON or temporary file', async () => {
    const dir = tmpDir();
    const t = join(dir, 't.jsonl.gz');
    await runCli(['gen-trace', '--network', 'skipnet-resnet18', '--samples', '400', '-o', t]);
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const lines = gunzipSync(readFileSync(t)).toString('utf8').split('\n');
    lines[200] = '{"i":199,"d":{';
    writeFileSync(t, gzipSync(lines.join('\n')));
    const r = await runCli(['run', '--trace', t, '--csv', join(dir, 'pre'), '-o', join(dir, 'out.json')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/t\.jsonl\.gz:201: not valid JSON/);
    expect(readdirSync(dir)).toEqual(['t.jsonl.gz']);
  });

  it('compare: an unwritable -o fails before the comparison and writes no plan or report', async () => {
    const dir = tmpDir();
    const r = await runCli(['compare', '--synthetic', '20', '--strategies', 'mask,compact', '--no-search', '-o', join(dir, 'nodir', 'c.json'), '--emit-plan', join(dir, 'plan.json'), '--report', join(dir, 'c.html')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nodir[/\\]c\.json: cannot write: no such directory/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an empty output name is an error, not silently no output', async () => {
    const r = await runCli(['run', '--synthetic', '10', '-o', '']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/expected an output file name/);
  });

  it('every output of a run that succeeds is written', async () => {
    const dir = tmpDir();
    const r = await runCli(['run', '--synthetic', '40', '-o', join(dir, 'out.json'), '--timeline', join(dir, 'tl.json'), '--report', join(dir, 'r.html'), '--csv', join(dir, 'pre')]);
    expect(r.exitCode).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['out.json', 'pre-gates.csv', 'pre-samples.csv', 'r.html', 'tl.json']);
    expect(readFileSync(join(dir, 'pre-samples.csv'), 'utf8').trim().split('\n')).toHaveLength(41);
  });
});

describe('dynsim binary (spawned)', () => {
  beforeAll(() => {
    if (!existsSync(bin)) execFileSync('node', ['scripts/build.mjs'], { cwd: root });
  });

  it('runs, prints no colour without a TTY, and exits 2 on bad input', () => {
    const ok = spawnSync('node', [bin, 'validate', join(root, 'configs/hw/h100.json')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok {4}.*h100\.json: hardware h100/);
    expect(ok.stdout).not.toContain('\u001b[');
    const bad = spawnSync('node', [bin, 'inspect', '/no/such/trace.jsonl'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('error: /no/such/trace.jsonl: cannot read: no such file\n');
  });

  it('a reader that closes the pipe early (| head) ends the command quietly, exit 0', () => {
    // the shell's `dynsim run --json | head -1`: stdout is a pipe whose reader is gone
    const code = spawnSync('bash', ['-c', `node ${JSON.stringify(bin)} run --json | head -c 1 > /dev/null; echo \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    expect(code.stderr).toBe('');
    expect(code.stdout.trim()).toBe('0');
  });

  it('replays bundled presets from the build record as the schema check would load them', () => {
    // copies with one more trailing space are not the recorded texts: they go through the schemas
    const dir = tmpDir();
    for (const [kind, name] of [['networks', 'switch-moe'], ['hw', 'a100']] as const)
      writeFileSync(join(dir, `${name}.json`), `${readFileSync(join(root, 'configs', kind, `${name}.json`), 'utf8')} `);
    const run = (net: string, hw: string) =>
      spawnSync('node', [bin, 'run', '--network', net, '--hw', hw, '--synthetic', '40', '--strategy', 'compact', '--json'], { encoding: 'utf8' });
    const recorded = run('switch-moe', 'a100');
    const checked = run(join(dir, 'switch-moe.json'), join(dir, 'a100.json'));
    expect(recorded.status).toBe(0);
    expect(recorded.stdout).toBe(checked.stdout);
    // an edited preset is checked: the schema's messages
    const h100 = JSON.parse(readFileSync(join(root, 'configs/hw/h100.json'), 'utf8')) as { accelerator: Record<string, unknown> };
    h100.accelerator.sms = 'many';
    writeFileSync(join(dir, 'h100.json'), JSON.stringify(h100));
    const bad = spawnSync('node', [bin, 'run', '--hw', join(dir, 'h100.json'), '--synthetic', '8'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`error: ${join(dir, 'h100.json')}: accelerator.sms: expected number, got "many"\n`);
  });
});

describe('dynsim run', () => {
  it('runs with no arguments: the bundled default, a readable summary', async () => {
    const r = await runCli(['run', '--synthetic', '64']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('skipnet-resnet18 on h100 (gpu-simt), strategy mask, 64 samples');
    expect(r.stdout).toMatch(/ideal saving \(FLOPs\)\s+\d/);
    expect(r.stdout).toContain('where the time went');
  });

  it('--json prints every metric the issue names, deterministically', async () => {
    const argv = ['run', '--network', 'switch-moe', '--hw', 'h100', '--synthetic', '64', '--seed', '7', '--strategy', 'mask', '--json'];
    const a = await runCli(argv);
    const b = await runCli(argv);
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const j = JSON.parse(a.stdout) as { metrics: Record<string, unknown>; gates: Record<string, Record<string, unknown>>; layers: Record<string, unknown> };
    for (const k of [
      'totalCycles', 'totalTimeNs', 'throughputSamplesPerS', 'latencyNs', 'simdEfficiency', 'divergentWarps', 'executedFlops',
      'usefulFlops', 'maskWasteFraction', 'controlTransfers', 'controlTransferNs', 'acceleratorIdleOnHostFraction', 'utilization',
      'energyPj', 'wastedEnergyPj', 'idealSaving', 'achievedSaving', 'timeNs',
    ])
      expect(j.metrics, k).toHaveProperty(k);
    expect(Object.keys(j.metrics.latencyNs as object)).toEqual(expect.arrayContaining(['p50', 'p95', 'p99', 'max']));
    expect(Object.keys(j.metrics.timeNs as object)).toEqual(
      expect.arrayContaining(['usefulCompute', 'maskedWaste', 'divergence', 'controlTransfer', 'reconfiguration', 'idle', 'queueing']),
    );
    expect(Object.keys(j.gates)).toEqual(['moe.enc1', 'moe.enc3', 'moe.enc5', 'moe.enc7', 'moe.enc9', 'moe.enc11']);
    expect(j.gates['moe.enc1']).toHaveProperty('maskWasteFraction');
    expect(Object.keys(j.layers).length).toBeGreaterThan(100);
    expect(j.metrics).not.toHaveProperty('deadlineMissRate');
  });

  it('--budget-ns adds the deadline-miss rate; -o writes the result atomically', async () => {
    const out = join(tmpDir(), 'r.json');
    const r = await runCli(['run', '--synthetic', '32', '--budget-ns', '1', '-o', out]);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { metrics: { deadlineMissRate: number } };
    expect(j.metrics.deadlineMissRate).toBe(1);
  });

  it('a plan file sets strategies per gate; unknown gates and strategies are errors', async () => {
    const dir = tmpDir();
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ format: 'dynsim-plan', version: 1, network: 'skipnet-resnet18', default: 'mask', gates: { 'skip.layer1.1': 'host' } }));
    const r = await runCli(['run', '--synthetic', '64', '--plan', plan, '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as { gates: Record<string, { strategy: string; controlTransfers: number }> };
    expect(j.gates['skip.layer1.1']).toMatchObject({ strategy: 'host', controlTransfers: 2 });
    expect(j.gates['skip.layer2.0']).toMatchObject({ strategy: 'mask', controlTransfers: 0 });
    writeFileSync(plan, JSON.stringify({ format: 'dynsim-plan', version: 1, network: 'skipnet-resnet18', gates: { nope: 'host', 'skip.layer2.0': 'teleport' } }));
    const bad = await runCli(['run', '--synthetic', '8', '--plan', plan]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`${plan}: gates["skip.layer2.0"]`);
    const s = await runCli(['run', '--strategy', 'teleport']);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toContain('expected one of static, mask, compact, host, per-sample, device-branch, multi-kernel, capacity, grouped, got "teleport"');
  });

  it('runs on every spatial preset with every strategy that applies; the others are clear errors', async () => {
    for (const hw of ['tpu-128', 'edge-32', 'array-8', 'cgra'])
      for (const s of ['static', 'mask', 'compact', 'host', 'per-sample', 'multi-kernel', 'capacity']) {
        const r = await runCli(['run', '--hw', hw, '--network', 'switch-moe', '--synthetic', '8', '--strategy', s, '--json']);
        expect(r.stderr, `${hw} ${s}`).toBe('');
        const j = JSON.parse(r.stdout) as { metrics: { totalTimeNs: number; executedFlops: number }; config: { accelerator: string } };
        expect(j.config.accelerator).toBe('spatial-array');
        expect(j.metrics.totalTimeNs).toBeGreaterThan(0);
      }
    const db = await runCli(['run', '--hw', 'tpu-128', '--synthetic', '8', '--strategy', 'device-branch']);
    expect(db.exitCode).toBe(2);
    expect(db.stderr).toMatch(/tpu-128\.json: accelerator\.kind: strategy "device-branch" does not apply to a spatial-array/);
    const mk = await runCli(['run', '--hw', 'h100', '--synthetic', '8', '--strategy', 'multi-kernel']);
    expect(mk.exitCode).toBe(2);
    expect(mk.stderr).toMatch(/strategy "multi-kernel" does not apply to a gpu-simt/);
  });

  it('streaming without arrival times says what to pass', async () => {
    const r = await runCli(['run', '--synthetic', '8', '--streaming']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('streaming replay needs an arrival time for every sample (or pass --arrival-rate)');
  });
});

describe('dynsim layer', () => {
  it('prints the fields for a GEMM on edge-32 (output stationary)', async () => {
    const r = await runCli(['layer', '--hw', 'edge-32', '--gemm', '64,1024,4096', '--dataflow', 'os', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['cycles', 'computeCycles', 'stallCycles', 'mappingEfficiency', 'utilization', 'sramReads', 'sramWrites', 'dramBytes', 'energyPj'])
      expect(j, k).toHaveProperty(k);
    // OS: Sr = M = 64, Sc = N = 4096 on 32x32 -> 2 x 128 folds of 32 + 32 + 1024 - 2 cycles, less 1
    expect(j.computeCycles).toBe(256 * (32 + 32 + 1024 - 2) - 1);
    expect(j.mappingEfficiency).toBe(1);
  });

  it('AlexNet conv1 in SCALE-Sim columns on a 32x32 weight-stationary array', async () => {
    const r = await runCli(['layer', '--hw', 'edge-32', '--conv', '227,227,11,11,3,96,4', '--dataflow', 'ws', '--array', '32x32', '--json']);
    const j = JSON.parse(r.stdout) as { computeCycles: number; mappingEfficiency: number; gemm: { m: number } };
    expect(j.gemm.m).toBe(55 * 55);
    expect(j.computeCycles).toBe(112_283);
    expect(j.mappingEfficiency).toBeCloseTo(0.9453, 4);
  });

  it('a GPU preset gives the GPU estimate; bad shapes are usage errors', async () => {
    const g = await runCli(['layer', '--hw', 'h100', '--gemm', '64,1024,4096', '--json']);
    const j = JSON.parse(g.stdout) as { accelerator: string; sramReads: null; mappingEfficiency: number };
    expect(j.accelerator).toBe('gpu-simt');
    expect(j.sramReads).toBeNull();
    expect(j.mappingEfficiency).toBe(1); // 64 rows fill the library's 64 x 128 tile (h100 gemmTileAlternatives)
    const bad = await runCli(['layer', '--hw', 'edge-32', '--gemm', '64,1024']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--gemm: expected 3 positive integers, got 64,1024');
    const both = await runCli(['layer', '--hw', 'edge-32']);
    expect(both.stderr).toContain('give exactly one of --gemm M,K,N and --conv H,W,R,S,C,F,stride');
    const arr = await runCli(['layer', '--hw', 'edge-32', '--gemm', '1,1,1', '--array', '32by32']);
    expect(arr.exitCode).toBe(2);
    expect(arr.stderr).toContain('expected RxC such as 32x32, got "32by32"');
  });
});

describe('validate knows every dynsim file', () => {
  it('experiments, expectations and measurement cases validate with a summary', async () => {
    const files = [
      join(root, 'configs/experiments/strategies-batch-seed.json'),
      join(root, 'traces/skip-rnn.a100-static.expect.json'),
      join(root, 'calibration/h100/launch.json'),
    ];
    const r = await runCli(['validate', ...files]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/experiment strategies-batch-seed/);
    expect(r.stdout).toMatch(/expectations for skip-rnn\.jsonl\.gz/);
    expect(r.stdout).toMatch(/11 measurement cases/);
  });
});

describe('run on a recorded trace', () => {
  it('takes the network from the trace header when it is a bundled preset', async () => {
    const t = join(tmpDir(), 't.jsonl');
    await runCli(['gen-trace', '--network', 'msdnet', '--samples', '16', '-o', t]);
    const r = await runCli(['run', '--trace', t, '--json']);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { config: { network: string } }).config.network).toBe('msdnet');
    const wrong = await runCli(['run', '--trace', t, '--network', 'skip-rnn']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/network: expected "skip-rnn"/);
  });
});
