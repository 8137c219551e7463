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

  it('inspect rejects a trace that does not match the given network', async () => {
    const out = join(tmpDir(), 't.jsonl');
    await runCli(['gen-trace', '--network', 'msdnet', '--samples', '5', '-o', out]);
    const r = await runCli(['inspect', out, '--network', 'skip-rnn']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/t\.jsonl:1: network: expected "skip-rnn" .*got "msdnet"/);
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
});
