#!/usr/bin/env node
// Times one model with ONNX Runtime for Node (CPU), the counterpart of `onyx bench --json`.
//
//   node bench/ort_bench.js MODEL [--threads N] [--iters K] [--warmup W] -i NAME=FILE.npy ...
//                           [--save-outputs DIR] [--profile PREFIX]
//
// Session options: intraOpNumThreads N, interOpNumThreads 1, graphOptimizationLevel 'all'.
// Prints one JSON line: load_ms (session creation), median_ms, min_ms, max_ms, mean_ms (of the K
// timed runs, after W untimed ones) and peak_rss_mb (VmHWM of /proc/self/status, the peak of
// this program image; maxRSS would carry over the size of the process that forked us).
// --save-outputs DIR also writes each output of the last run as DIR/<output name>.npy, the way
// `onyx run -o DIR` does, so that run.py --check can compare the two engines' results.
// --profile PREFIX turns on ORT's own profiler: it writes PREFIX_<date>.json (Chrome trace, one
// event per node and run), the counterpart of `onyx bench --profile` for per-op comparisons.
'use strict';

const fs = require('fs');

function peakRssKib() {
  try {
    const m = fs.readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+)/m);
    if (m) return Number(m[1]);
  } catch (e) { /* not Linux: fall back */ }
  return process.resourceUsage().maxRSS;  // KiB
}
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

const USAGE = 'usage: node ort_bench.js MODEL [--threads N] [--iters K] [--warmup W] ' +
  '-i NAME=FILE.npy ... [--save-outputs DIR] [--profile PREFIX]';

function fail(message) {
  process.stderr.write(`ort_bench: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { model: null, threads: 1, iters: 20, warmup: 3, inputs: [], saveDir: null,
    profile: null };
  const number = (i, name, lo) => {
    const n = Number(argv[i]);
    if (i >= argv.length || !Number.isInteger(n) || n < lo) fail(`${name} needs an integer >= ${lo}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--threads') args.threads = number(++i, a, 0);
    else if (a === '--iters') args.iters = number(++i, a, 1);
    else if (a === '--warmup') args.warmup = number(++i, a, 0);
    else if (a === '--save-outputs') {
      if (i + 1 >= argv.length) fail(`${a} needs DIR`);
      args.saveDir = argv[++i];
    } else if (a === '--profile') {
      if (i + 1 >= argv.length) fail(`${a} needs PREFIX`);
      args.profile = argv[++i];
    } else if (a === '-i' || a === '--input') {
      const spec = argv[++i] || '';
      const eq = spec.indexOf('=');
      if (eq <= 0) fail(`${a} expects NAME=FILE, got '${spec}'`);
      args.inputs.push([spec.slice(0, eq), spec.slice(eq + 1)]);
    } else if (a.startsWith('-')) fail(`unknown option '${a}'\n${USAGE}`);
    else if (args.model === null) args.model = a;
    else fail(`unexpected argument '${a}'\n${USAGE}`);
  }
  if (args.model === null) fail(`no MODEL given\n${USAGE}`);
  return args;
}

// .npy element type ('<f4', '|b1', ...) -> [ORT tensor type, typed-array constructor]
const NPY_TYPES = {
  f4: ['float32', Float32Array], f8: ['float64', Float64Array],
  i1: ['int8', Int8Array], u1: ['uint8', Uint8Array], i2: ['int16', Int16Array],
  u2: ['uint16', Uint16Array], i4: ['int32', Int32Array], u4: ['uint32', Uint32Array],
  i8: ['int64', BigInt64Array], u8: ['uint64', BigUint64Array], b1: ['bool', Uint8Array],
};

// Reads a version 1-3 .npy file holding a little-endian (or byte-order-free), C-ordered array.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']*)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shape) fail(`${file}: cannot read the .npy header: ${header}`);
  if (order[1] === 'True') fail(`${file}: Fortran-ordered arrays are not supported`);
  if (descr[1][0] === '>') fail(`${file}: big-endian data is not supported`);
  const type = NPY_TYPES[descr[1].slice(1)];
  if (!type) fail(`${file}: unsupported element type '${descr[1]}'`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const [ortType, Ctor] = type;
  const offset = start + headerLen;
  if (buf.length - offset < count * Ctor.BYTES_PER_ELEMENT) fail(`${file}: data shorter than its shape`);
  // Copy into a fresh, aligned buffer: the file's data offset need not be a multiple of 8.
  const bytes = new Uint8Array(count * Ctor.BYTES_PER_ELEMENT);
  bytes.set(buf.subarray(offset, offset + bytes.length));
  return new ort.Tensor(ortType, new Ctor(bytes.buffer), dims);
}

// ORT tensor type -> .npy descr, for the types a benchmark model outputs.
const NPY_DESCR = {
  float32: '<f4', float64: '<f8', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2',
  int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8', bool: '|b1',
};

function writeNpy(file, tensor) {
  const descr = NPY_DESCR[tensor.type];
  if (!descr) fail(`cannot save an output of type ${tensor.type}`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // data starts 64-aligned
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.model)) fail(`no such file: '${args.model}'`);
  const feeds = {};
  for (const [name, file] of args.inputs) feeds[name] = readNpy(file);

  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  if (args.profile !== null) {
    options.enableProfiling = true;
    options.profileFilePrefix = args.profile;
  }
  const loadStart = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, options);
  const loadMs = msSince(loadStart);
  for (const name of session.inputNames) {
    if (!(name in feeds)) fail(`the model's input '${name}' was not given (-i ${name}=FILE)`);
  }

  for (let i = 0; i < args.warmup; ++i) await session.run(feeds);
  const times = [];
  let outputs = null;
  for (let i = 0; i < args.iters; ++i) {
    const start = process.hrtime.bigint();
    outputs = await session.run(feeds);
    times.push(msSince(start));
  }
  if (args.saveDir !== null) {
    fs.mkdirSync(args.saveDir, { recursive: true });
    for (const [name, tensor] of Object.entries(outputs)) {
      writeNpy(path.join(args.saveDir, `${name}.npy`), tensor);
    }
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  const round = (x, d) => Number(x.toFixed(d));
  const result = {
    model: args.model,
    engine: 'onnxruntime-node',
    version: ort.env.versions.node,
    threads: args.threads,
    iters: args.iters,
    warmup: args.warmup,
    load_ms: round(loadMs, 3),
    median_ms: round(median, 4),
    min_ms: round(times[0], 4),
    max_ms: round(times[n - 1], 4),
    mean_ms: round(mean, 4),
    peak_rss_mb: round(peakRssKib() / 1024, 1),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  if (args.profile !== null) session.endProfiling();
  await session.release();
}

main().catch((e) => fail(String(e && e.message ? e.message : e).split('\n')[0]));
