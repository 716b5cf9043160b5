// What the request scope (`req.ballast`, `ctx.state.ballast`) costs per request,
// in ns/op, against the bare framework and against the approach it replaced
// (an own property on every request). Each variant runs in its own process,
// because defining the scope changes a shared prototype for good.
//
//   npx --yes pnpm@10.34.8 build && node bench/scope/run.mjs [--ops=2000000] [--runs=5]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const OPS = arg('ops', 2_000_000);
const RUNS = arg('runs', 5);
const variant = process.argv.find((a) => a.startsWith('--variant='))?.split('=')[1];

if (variant !== undefined) {
  const { measure } = await import('./variants.mjs');
  console.log(JSON.stringify(await measure(variant, OPS, RUNS)));
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (name) => JSON.parse(execFileSync(process.execPath, [self, `--variant=${name}`, `--ops=${OPS}`, `--runs=${RUNS}`], { encoding: 'utf8' }).trim());
  const groups = [
    ['Express: a request that never reads req.ballast', 'express-bare', ['express-ballast', 'express-own-property']],
    ['Express: a request that reads req.ballast once', 'express-own-property', ['express-read']],
    ['Koa: a context that never reads ctx.state.ballast', 'koa-bare', ['koa-ballast', 'koa-own-property']],
    ['Koa: a context that reads ctx.state.ballast once', 'koa-own-property', ['koa-read']],
  ];
  console.log(`request scope, ${OPS} ops x ${RUNS} runs, median ns/op (each variant in its own process)\n`);
  for (const [title, baseline, others] of groups) {
    const base = run(baseline);
    console.log(title);
    console.log(`  ${baseline.padEnd(22)} ${base.nsPerOp.toFixed(1).padStart(8)} ns/op   1.00x`);
    for (const name of others) {
      const r = run(name);
      console.log(`  ${name.padEnd(22)} ${r.nsPerOp.toFixed(1).padStart(8)} ns/op   ${(r.nsPerOp / base.nsPerOp).toFixed(2)}x`);
    }
    console.log('');
  }
  console.log('express-ballast / koa-ballast: the adapter is in use (scope defined), the request never reads it.');
  console.log('*-own-property: what the scope replaced, a RequestScope assigned to every request.');
}
