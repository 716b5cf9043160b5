/** Prints the summary tables and the target checks of one run.mjs report. */
import { fixed, table } from './lib/stats.mjs';
import { pairStatistic } from './wrk.mjs';

/** Targets of issue 9, as users mount Ballast: Express observe + limit ≥ 0.95x, Koa's ≥ 0.97x, limit alone ≥ 0.97x. */
const targetOf = (variant) => (variant === 'express + ballast observe+limit' ? 0.95 : 0.97);
const TARGET_NS = 150;
const TARGET_GOODPUT = 0.9;
const TARGET_SHED_P99_MS = 1;

const verdict = (ok) => (ok ? 'ok' : 'MISS');
const ms = (value) => fixed(value, 1);

function throughputTable(rows, config) {
  console.log(
    `HTTP throughput (${config.repetitions} interleaved reps x ${config.seconds}s, ${config.connections} connections, ` +
      `medians; ratio = variant / bare of the same rep)`,
  );
  const body = rows.map((r) => {
    const ballast = r.variant.includes('ballast');
    return [
      r.variant,
      Math.round(r.requestsPerSecond),
      r.p99Ms,
      fixed(r.ratio.median),
      `${fixed(r.ratio.min)}-${fixed(r.ratio.max)}`,
      `${Math.round(r.serverCpu * 100)}%`,
      fixed(r.cpuMicrosPerRequest, 1),
      fixed(r.cpuRatio.median),
      `${fixed(r.cpuRatio.min)}-${fixed(r.cpuRatio.max)}`,
      ballast
        ? `>= ${targetOf(r.variant)}: req/s ${verdict(r.ratio.median >= targetOf(r.variant))}, cpu ${verdict(r.cpuRatio.median >= targetOf(r.variant))}`
        : '',
    ];
  });
  const header = ['variant', 'req/s', 'p99 ms', 'x bare', 'spread', 'srv cpu', 'us/req', 'x bare (cpu)', 'spread', 'target'];
  console.log(table([header, ...body]));
}

function pairedTable(rows, config) {
  console.log(
    `\nPaired: each variant at the same time as its bare baseline, both servers on one core ` +
      `(${config.repetitions} reps x ${config.seconds}s; ratio = variant req/s / bare req/s)`,
  );
  const body = rows.map((r) => [
    r.variant,
    fixed(r.ratio.median),
    `${fixed(r.ratio.min)}-${fixed(r.ratio.max)}`,
    `${Math.round(r.serverCpu.variant * 100)}% / ${Math.round(r.serverCpu.baseline * 100)}%`,
    r.variant.includes('ballast') ? `>= ${targetOf(r.variant)}: ${verdict(r.ratio.median >= targetOf(r.variant))}` : '',
  ]);
  console.log(table([['variant', 'x bare', 'spread', 'srv cpu (variant / bare)', 'target'], ...body]));
}

function adapterTable(adapter) {
  console.log(
    `\nWhole request in process, no network (CPU ns/request, ${adapter.rounds} interleaved rounds x ${adapter.requests}; ` +
      `added = variant - bare of the same round)`,
  );
  const body = Object.entries(adapter.results).map(([name, r]) => [
    name,
    Math.round(r.medianNs),
    name.includes('bare') ? '' : Math.round(r.addedNs),
    name.includes('bare') ? '' : `${Math.round(r.addedMinNs)}..${Math.round(r.addedMaxNs)}`,
  ]);
  console.log(table([['variant', 'ns/req', 'added ns', 'spread'], ...body]));
}

function microTable(micro) {
  console.log(`\nAdmit + release, not saturated (median of ${micro.runs} runs x ${micro.iterations} iterations)`);
  const baseline = micro.results['EventEmitter + close (baseline)']?.medianNs;
  const body = Object.entries(micro.results).map(([name, r]) => {
    const onEmitter = name.includes('middleware') || name === 'gate (EventEmitter)';
    return [
      name,
      fixed(r.medianNs, 1),
      `${fixed(r.minNs, 1)}-${fixed(r.maxNs, 1)}`,
      onEmitter && baseline !== undefined ? fixed(r.medianNs - baseline, 1) : '',
      name === 'limiter' || name.includes('fake') ? `<= ${TARGET_NS}: ${verdict(r.medianNs <= TARGET_NS)}` : '',
    ];
  });
  console.log(table([['case', 'ns/op', 'spread', 'minus baseline', 'target'], ...body]));
}

function overloadTable(o) {
  console.log(
    `\nOverload, open loop: capacity ${o.capacity} req/s (${o.slots} slots x ${o.holdMs} ms), offered ${o.rate} req/s ` +
      `for ${o.seconds}s; Ballast maxQueue ${o.maxQueue}, queueTimeoutMs ${o.queueTimeoutMs}`,
  );
  const body = Object.entries(o.results).map(([mode, r]) => {
    const bound = 2 * r.unloaded.okP99Ms + o.queueTimeoutMs;
    return [
      mode,
      `${fixed(r.goodput * 100, 1)}%`,
      r.loaded.ok,
      r.loaded.shed,
      r.loaded.unanswered,
      ms(r.unloaded.okP99Ms),
      ms(r.loaded.okP99Ms),
      `${ms(bound)} ${verdict(r.loaded.okP99Ms <= bound && r.loaded.unanswered === 0)}`,
      ms(r.loaded.shedP99Ms),
      fixed(r.server.shedP99Ms, 3),
      ms(r.loaded.sendLagP99Ms),
    ];
  });
  console.log(
    table([
      ['mode', 'goodput', '2xx', '503', 'no answer', 'unloaded p99', 'admitted p99', '<= 2xunloaded+deadline', 'shed p99', 'shed p99 (server, to end())', 'send lag p99'],
      ...body,
    ]),
  );
  const b = o.results.ballast;
  if (b !== undefined) {
    console.log(
      `Ballast: goodput >= ${TARGET_GOODPUT * 100}%: ${verdict(b.goodput >= TARGET_GOODPUT)}; ` +
        `shed p99 < ${TARGET_SHED_P99_MS} ms: client ${verdict(b.loaded.shedP99Ms < TARGET_SHED_P99_MS)}, ` +
        `server ${verdict(b.server.shedP99Ms < TARGET_SHED_P99_MS)} (all times in ms)`,
    );
  }
}


function wrkTable(rows, config) {
  const how = config.together
    ? `${config.seconds}s each, measured at the same time`
    : config.windows > 1
      ? `each alone ${config.windows} times in turn, ${config.seconds}s a time`
      : `${config.seconds}s each, one after the other, alternating order`;
  console.log(
    `\nwrk, paired (${config.rounds} rounds: each a pair of fresh servers per variant, bare and variant, ${how}, ${config.connections} connections). ` +
      `x bare: ${pairStatistic(config) === 'median of ratios' ? 'median of the pairs\' ratios' : 'ratio of medians over the pairs'}, req/s variant / bare and ` +
      `server CPU per request bare / variant, [95% bootstrap interval]; verdict: meets (whole interval >= target), misses (wholly below), undecided`,
  );
  const interval = (m) => `${fixed(m.ratio)} [${fixed(m.low)}-${fixed(m.high)}]`;
  const body = rows.map((r) => [
    r.variant,
    r.pairCount,
    Math.round(r.bare.requestsPerSecond),
    Math.round(r.layered.requestsPerSecond),
    interval(r.throughput),
    `${fixed(r.throughput.pairLow)}-${fixed(r.throughput.pairHigh)}`,
    r.target === undefined ? '' : `>= ${r.target} ${r.throughput.verdict}`,
    fixed(r.bare.cpuMicrosPerRequest, 1),
    fixed(r.layered.cpuMicrosPerRequest, 1),
    interval(r.cpu),
    r.target === undefined ? '' : r.cpu.verdict,
  ]);
  const header = ['variant', 'pairs', 'bare req/s', 'req/s', 'x bare [95%]', 'pair range', 'verdict', 'bare us/req', 'us/req', 'x bare cpu [95%]', 'verdict'];
  console.log(table([header, ...body]));
}

export function printSummary(report) {
  const load = (m) => `load ${fixed(m.loadavg1, 1)}, cpu pressure ${fixed(m.cpuPressureAvg10, 0)}%`;
  console.log(`Machine: before ${load(report.machineBefore)}; after ${load(report.machineAfter)} (2 cores, shared)\n`);
  if (report.throughput !== undefined) throughputTable(report.throughput, report.throughputConfig);
  if (report.paired !== undefined) pairedTable(report.paired, report.throughputConfig);
  if (report.wrk !== undefined) wrkTable(report.wrk, report.wrkConfig);
  if (report.adapter !== undefined) adapterTable(report.adapter);
  if (report.micro !== undefined) microTable(report.micro);
  if (report.overload !== undefined) overloadTable(report.overload);
}
