// Replay benchmark (`npm run bench`, not a test): generates synthetic traces, then replays each
// in a fresh process from its JSONL file, end to end (read, parse, check, simulate the strategy
// and the static baseline, write the result), and reports gate decisions per second and peak
// RSS. Usage: npm run bench [-- --sizes 1e5,1e6,1e7 --network skipnet-resnet18 --strategy mask]
// Each row also gives two floors measured the same way (fresh process, clock started by its
// first statement): `scanS`, reading the same JSONL file and looking at every byte once (no
// parsing, no simulation: what any replay of that file pays at least), and `fixedS`, dynsim
// replaying the first 10 samples of it (loading the command, presets, engine, result file).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
// default: sample-level gates (skipnet, 7 decisions per sample) up to 1e7 samples; token-level
// gates (dynamicvit, 588 decisions per sample) up to 1e6 samples (1e7: ~3 minutes plus generating a 1.7 GB trace)
const sizesFor = (network) =>
  opt('sizes', network === 'dynamicvit' ? '1e5,1e6' : '1e5,1e6,1e7').split(',').map(Number);
const networks = opt('network', 'skipnet-resnet18,dynamicvit').split(',');
const strategy = opt('strategy', 'mask');
const cli = join(process.cwd(), 'dist', 'cli.js');
if (!existsSync(cli)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'dynsim-bench-'));
const rows = [];
try {
  for (const network of networks)
    for (const n of sizesFor(network)) {
      const trace = join(dir, `${network}-${n}.jsonl`);
      execFileSync('node', [cli, 'gen-trace', '--network', network, '--samples', String(n), '--seed', '1', '-o', trace]);
      const out = join(dir, 'result.json');
      // the child reports its own peak RSS: /usr/bin/time is not on every machine
      const child = `
        const t0 = process.hrtime.bigint();
        process.argv = [process.argv[0], '${cli}', 'run', '--trace', '${trace}', '--network', '${network}', '--strategy', '${strategy}', '--no-progress', '-o', '${out}'];
        process.on('exit', () => {
          const s = Number(process.hrtime.bigint() - t0) / 1e9;
          process.stderr.write(JSON.stringify({ wallS: s, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
        });
        await import('${cli}');`;
      const timed = (script) => {
        const res = spawnSync('node', ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 26 });
        if (res.status !== 0) throw new Error(`replay failed: ${res.stderr}`);
        return JSON.parse(res.stderr.trim().split('\n').pop());
      };
      const stats = timed(child);
      const result = JSON.parse(readFileSync(out, 'utf8'));
      // floors: a byte scan of the file, and a replay of its header and first 10 samples
      const scan = timed(`
        import { openSync, readSync, closeSync } from 'node:fs';
        const t0 = process.hrtime.bigint();
        const fd = openSync('${trace}', 'r');
        const buf = Buffer.allocUnsafe(1 << 20);
        let lines = 0, n;
        while ((n = readSync(fd, buf, 0, buf.length)) > 0) for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
        closeSync(fd);
        process.stderr.write(JSON.stringify({ wallS: Number(process.hrtime.bigint() - t0) / 1e9, lines }) + '\\n');`);
      const head = join(dir, 'head.jsonl');
      // the header and the first 10 records (a 10^7-sample trace does not fit in one string)
      const fd = openSync(trace, 'r');
      const start = Buffer.alloc(1 << 16);
      const got = readSync(fd, start, 0, start.length, 0);
      closeSync(fd);
      const [headerLine, ...first10] = start.toString('utf8', 0, got).split('\n', 11);
      writeFileSync(head, [JSON.stringify({ ...JSON.parse(headerLine), samples: 10 }), ...first10].join('\n') + '\n');
      const fixed = timed(child.replaceAll(trace, head));
      const decisions = result.metrics.decisions;
      const row = {
        network,
        samples: n,
        traceMB: +(statSync(trace).size / 1e6).toFixed(1),
        decisions,
        wallS: +stats.wallS.toFixed(2),
        decisionsPerS: Math.round(decisions / stats.wallS),
        samplesPerS: Math.round(n / stats.wallS),
        peakRssMB: +(stats.maxRssKb / 1024).toFixed(1),
        scanS: +scan.wallS.toFixed(3),
        fixedS: +fixed.wallS.toFixed(3),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
      rmSync(trace);
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nnode ${process.version}, strategy ${strategy}, one process per replay (strategy + static baseline in one pass)`);
console.log('| network | samples | trace MB | decisions | wall s | decisions/s | samples/s | peak RSS MB | scan floor s | 10-sample replay s |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(`| ${r.network} | ${r.samples} | ${r.traceMB} | ${r.decisions} | ${r.wallS} | ${r.decisionsPerS} | ${r.samplesPerS} | ${r.peakRssMB} | ${r.scanS} | ${r.fixedS} |`);
