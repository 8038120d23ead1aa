#!/usr/bin/python3
"""Times every benchmark model with ONNX Runtime (onnxruntime-node) and with onyx, and prints one
table: latency of each engine, the ratio onyx/ORT, load time and peak RSS of each, then the
geometric mean of the ratio per (threads, batch).

  bash bench/setup.sh && /usr/bin/python3 bench/export_models.py && /usr/bin/python3 bench/run.py

Each measurement is a fresh process (so peak RSS belongs to one engine and one model), and the
engines take turns, ORT, onyx, ORT, onyx, ... (--rounds): the figure kept is the median of the
per-process medians, so a burst of load on the machine hits both engines alike. A model that an
engine cannot run shows as "fails: <first error line>" and stays out of the geometric mean.
--check also runs each model once per engine (smallest batch) and compares their outputs.

A second table reads each case against the machine's ceiling: the model's multiply-add work
(bench/flops.py) over the float FMA peak of the thread count (`onyx peak`, measured right before
the case: on a shared host the second vCPU's rate varies with other tenants' load) is the
shortest time an engine doing that arithmetic directly can take; "% of peak" is that time over each engine's,
and "ratio at peak" is the lowest onyx/ORT ratio left to win without doing less arithmetic
(Winograd convolution does less, so it can pass 100%). --no-ceiling leaves it out.
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import numpy as np

import flops

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
MODELS_DIR = os.path.join(BENCH_DIR, "models")
# The order of the table: the manifest may list the models in any order.
MODEL_ORDER = ["resnet50", "mobilenet_v2", "efficientnet_b0", "densenet121", "vit_s16",
               "bert_base", "gpt2_small", "lstm_tagger", "gru_tagger", "tree_ensemble",
               "resnet50_qdq", "mobilenet_v2_qdq", "densenet121_qdq", "bert_base_int8",
               "gpt2_small_int8"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--onyx", default=os.path.join(REPO_DIR, "build", "onyx"),
                   help="the onyx binary (default: build/onyx)")
    p.add_argument("--node", default="node", help="the node binary for ort_bench.js")
    p.add_argument("--models", help="comma-separated subset of the models (default: all exported)")
    p.add_argument("--variants", action="store_true",
                   help="run the further models of the same families (export_models.py --variants)")
    p.add_argument("--int8", action="store_true",
                   help="run the quantized models (quantize_dynamic.py, quantize_static.py), which "
                        "form a suite of their own with their own geometric means")
    p.add_argument("--threads", default="1,2", help="intra-op thread counts (default 1,2)")
    p.add_argument("--batches", default="1,8",
                   help="batch sizes (default 1,8; a model with none of them, like the tree "
                        "ensemble, runs the batch its inputs were made for)")
    p.add_argument("--iters", type=int, help="timed runs per process (default 10; --quick 3)")
    p.add_argument("--warmup", type=int, help="untimed runs first (default 2; --quick 1)")
    p.add_argument("--rounds", type=int,
                   help="processes per engine and case, alternating (default 2; --quick 1)")
    p.add_argument("--timeout", type=float,
                   help="seconds one process may take (default 600; --quick 120)")
    p.add_argument("--quick", action="store_true",
                   help="fewer runs: --iters 3 --warmup 1 --rounds 1 --timeout 120")
    p.add_argument("--check", action="store_true",
                   help="also compare the outputs of the two engines (one run each, smallest "
                        "batch, first thread count)")
    p.add_argument("--no-ceiling", action="store_true",
                   help="leave out the table against the machine's FMA peak")
    p.add_argument("--out", help="also write the results to OUT.json and OUT.md "
                                 "(a .json or .md ending is dropped first)")
    a = p.parse_args()
    defaults = dict(iters=3, warmup=1, rounds=1, timeout=120) if a.quick else \
        dict(iters=10, warmup=2, rounds=2, timeout=600)
    for k, v in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    return a


def int_list(text, what):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        sys.exit(f"run.py: --{what} expects comma-separated integers, got '{text}'")
    if not values or min(values) < 1:
        sys.exit(f"run.py: --{what} expects integers >= 1, got '{text}'")
    return values


def load_manifest():
    path = os.path.join(MODELS_DIR, "manifest.json")
    if not os.path.exists(path):
        sys.exit("run.py: no bench/models/manifest.json: run /usr/bin/python3 bench/export_models.py")
    with open(path) as f:
        return json.load(f)


def first_error_line(text):
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line
    return "no error message"


def measure(cmd, timeout):
    """Runs one benchmark process; returns its JSON result, or {"error": "..."}."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s"}
    except OSError as e:
        return {"error": f"cannot start {cmd[0]}: {e.strerror}"}
    if proc.returncode != 0:
        message = first_error_line(proc.stderr) if proc.stderr.strip() else \
            first_error_line(proc.stdout) if proc.stdout.strip() else f"exit status {proc.returncode}"
        # "onyx bench: /long/path/model.onnx: Unimplemented: ..." -> "Unimplemented: ..."
        for prefix in ("onyx bench: ", "ort_bench: ", cmd[1] + ": " if len(cmd) > 1 else ""):
            if prefix and message.startswith(prefix):
                message = message[len(prefix):]
        model = next((c for c in cmd if c.endswith(".onnx")), None)
        if model and message.startswith(model + ": "):
            message = message[len(model) + 2:]
        if proc.returncode < 0:
            message = f"killed by signal {-proc.returncode}: {message}"
        return {"error": message}
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": f"no JSON result in output: {first_error_line(proc.stdout)}"}


def engine_commands(args, model_path, inputs, threads):
    feeds = []
    for name, file in inputs.items():
        feeds += ["-i", f"{name}={os.path.join(MODELS_DIR, file)}"]
    common = ["--threads", str(threads), "--iters", str(args.iters), "--warmup", str(args.warmup)]
    return {
        "ort": [args.node, os.path.join(BENCH_DIR, "ort_bench.js"), model_path] + common + feeds,
        "onyx": [args.onyx, "bench", model_path] + common + feeds + ["--json"],
    }


def summarize(runs):
    """Median of the per-process medians and loads; the largest peak RSS of the processes."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"] if runs else "not run"}
    return {
        "median_ms": statistics.median(r["median_ms"] for r in ok),
        "load_ms": statistics.median(r["load_ms"] for r in ok),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
        "processes": len(ok),
    }


def run_case(args, model_path, inputs, threads, known_onyx_error):
    cmds = engine_commands(args, model_path, inputs, threads)
    runs = {"ort": [], "onyx": []}
    for _ in range(args.rounds):
        for engine in ("ort", "onyx"):
            if engine == "onyx" and known_onyx_error:
                runs["onyx"] = [{"error": known_onyx_error}]
                continue
            if runs[engine] and "error" in runs[engine][0]:
                continue  # it failed once: failing again would only cost time
            runs[engine].append(measure(cmds[engine], args.timeout))
    return {engine: summarize(r) for engine, r in runs.items()}


CHECK_TOLERANCE = 1e-3  # max |onyx - ORT| over max |ORT|, per output
# Dynamically quantized models: a one-ulp difference in a float activation (another summation
# order anywhere upstream) can move a value to the next int8 level, and twelve layers carry that
# on. On BERT-base int8 the two engines differ by ~1.4e-2 while each is ~3.7e-2 from the float
# model (2026-12-07), so agreement is judged against the quantization's own error.
INT8_CHECK_TOLERANCE = 5e-2


def check_outputs(args, model_path, inputs, threads, tolerance=CHECK_TOLERANCE):
    """Runs the model once with each engine and compares every output; returns a short verdict."""
    feeds = []
    for name, file in inputs.items():
        feeds += ["-i", f"{name}={os.path.join(MODELS_DIR, file)}"]
    with tempfile.TemporaryDirectory(prefix="onyx-bench-check-") as tmp:
        ort_dir, onyx_dir = os.path.join(tmp, "ort"), os.path.join(tmp, "onyx")
        cmds = {
            "ORT": [args.node, os.path.join(BENCH_DIR, "ort_bench.js"), model_path, "--threads",
                    str(threads), "--iters", "1", "--warmup", "0", "--save-outputs", ort_dir] + feeds,
            "onyx": [args.onyx, "run", model_path, "--threads", str(threads), "-o", onyx_dir] + feeds,
        }
        for engine, cmd in cmds.items():
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                return f"{engine} timed out"
            if proc.returncode != 0:
                return f"{engine} fails: {first_error_line(proc.stderr or proc.stdout)}"
        worst = []
        for file in sorted(os.listdir(ort_dir)):
            expected = np.load(os.path.join(ort_dir, file))
            got_path = os.path.join(onyx_dir, file)
            if not os.path.exists(got_path):
                return f"onyx wrote no {file}"
            got = np.load(got_path)
            if got.shape != expected.shape:
                return f"{file[:-4]}: shape {got.shape} vs ORT {expected.shape}"
            e, g = expected.astype(np.float64), got.astype(np.float64)
            scale = max(float(np.abs(e).max()) if e.size else 0.0, 1e-6)
            worst.append((float(np.abs(e - g).max()) / scale if e.size else 0.0, file[:-4]))
    err, name = max(worst)
    verdict = "agree" if err <= tolerance else "DIFFER"
    return f"{verdict} (max |onyx - ORT| / max |ORT| = {err:.1e}, worst output {name})"


def cpu_description():
    info = {"machine": platform.machine(), "logical_cpus": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                info["model_name"] = value.strip()
            if key.strip() == "Flags":
                flags = value.split()
                info["simd"] = [f for f in flags if f.startswith(("avx", "fma", "f16c", "amx"))]
    except OSError:
        pass
    return info


def fmt_ms(summary):
    if "error" in summary:
        return f"fails: {summary['error']}"
    v = summary["median_ms"]
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"


def fmt_other(summary, key, digits=0):
    return "-" if "error" in summary else f"{summary[key]:.{digits}f}"


def table_rows(results):
    rows = []
    for r in results:
        ort, onyx = r["ort"], r["onyx"]
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else "-"
        rows.append([r["model"], str(r["threads"]), str(r["batch"]), fmt_ms(ort), fmt_ms(onyx),
                     ratio, fmt_other(ort, "load_ms"), fmt_other(onyx, "load_ms"),
                     fmt_other(ort, "peak_rss_mb"), fmt_other(onyx, "peak_rss_mb")])
    return rows


HEADER = ["model", "threads", "batch", "ORT ms", "onyx ms", "onyx/ORT", "ORT load ms",
          "onyx load ms", "ORT RSS MB", "onyx RSS MB"]


def geomeans(results):
    groups = {}
    for r in results:
        g = groups.setdefault((r["threads"], r["batch"]), {"ratios": [], "left_out": []})
        if r.get("ratio") is not None:
            g["ratios"].append(r["ratio"])
        else:
            g["left_out"].append(r["model"])
    out = []
    for (threads, batch), g in sorted(groups.items()):
        gm = math.exp(sum(math.log(x) for x in g["ratios"]) / len(g["ratios"])) if g["ratios"] else None
        out.append({"threads": threads, "batch": batch, "geomean_ratio": gm,
                    "models": len(g["ratios"]), "left_out": g["left_out"]})
    return out


def geomean_lines(gms):
    lines = []
    for g in gms:
        value = f"{g['geomean_ratio']:.2f}" if g["geomean_ratio"] is not None else "-"
        left = f"; left out ({len(g['left_out'])}): {', '.join(g['left_out'])}" if g["left_out"] else ""
        lines.append(f"threads {g['threads']}, batch {g['batch']}: geomean onyx/ORT = {value} "
                     f"over {g['models']} model(s){left}")
    return lines


def text_table(rows, header=HEADER):
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
              for i in range(len(header))]
    # A long failure message would stretch its column: cap the width, let the message run on.
    widths = [min(w, 24) for w in widths]
    def line(cells):
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in
                         enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def fma_peak(args, threads):
    """GFLOP/s of `onyx peak --threads N`, or None when it cannot run."""
    r = measure([args.onyx, "peak", "--threads", str(threads), "--json"], args.timeout)
    return r.get("gflops")


def ceiling_rows(results, work):
    """Per case: GFLOP, time at peak, % of peak of each engine, ratio at peak (see __doc__)."""
    rows = []
    for r in results:
        gflop = work.get((r["model"], r["batch"]))
        peak = r.get("peak_gflops")
        if not gflop or not peak:
            continue
        at_peak_ms = gflop / peak * 1e3
        cells = [r["model"], str(r["threads"]), str(r["batch"]), f"{gflop:.2f}", f"{peak:.0f}",
                 f"{at_peak_ms:.2f}" if at_peak_ms < 100 else f"{at_peak_ms:.0f}"]
        for engine in ("ort", "onyx"):
            e = r[engine]
            cells.append("-" if "error" in e else f"{100 * at_peak_ms / e['median_ms']:.0f}%")
        ort = r["ort"]
        cells.append("-" if "error" in ort else f"{at_peak_ms / ort['median_ms']:.2f}")
        rows.append(cells)
    return rows


CEILING_HEADER = ["model", "threads", "batch", "GFLOP", "peak GFLOP/s", "ms at peak",
                  "ORT % of peak", "onyx % of peak", "ratio at peak"]


def check_lines(checks):
    return [f"{name} (batch {c['batch']}, threads {c['threads']}): outputs {c['verdict']}"
            for name, c in checks.items()]


def markdown_table(header, rows):
    esc = lambda s: s.replace("|", "\\|")
    return ["| " + " | ".join(header) + " |",
            "|" + "|".join("---" if i < 3 else "---:" for i in range(len(header))) + "|"] + \
        ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]


def markdown(report, rows, gms, checks, ceiling):
    o = report["options"]
    out = [f"Run {report['date']} on {report['cpu'].get('model_name', '?')} "
           f"({report['cpu']['logical_cpus']} logical CPUs); onnxruntime-node "
           f"{report['ort_version']}; {o['iters']} timed runs after {o['warmup']} warmup per "
           f"process, {o['rounds']} process(es) per engine and case; times are medians in ms.",
           ""] + markdown_table(HEADER, rows)
    out += ["", "Geometric mean of onyx/ORT (lower is better for onyx):", ""]
    out += [f"- {l}" for l in geomean_lines(gms)]
    if ceiling:
        out += ["", "Against the machine's float FMA peak (`onyx peak`; work from bench/flops.py):",
                ""] + markdown_table(CEILING_HEADER, ceiling)
    if checks:
        out += ["", "Output check, onyx against ORT:", ""]
        out += [f"- {l}" for l in check_lines(checks)]
    return "\n".join(out) + "\n"


def ort_version():
    try:
        with open(os.path.join(BENCH_DIR, "node_modules", "onnxruntime-node", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


def main():
    args = parse_args()
    threads_list = int_list(args.threads, "threads")
    batches = int_list(args.batches, "batches")
    manifest = load_manifest()
    if not os.path.exists(args.onyx):
        sys.exit(f"run.py: no onyx binary at {args.onyx} (build it, or give --onyx PATH)")
    version = ort_version()
    if version is None:
        sys.exit("run.py: onnxruntime-node is not installed: run bash bench/setup.sh")
    names = [m for m in MODEL_ORDER if m in manifest] + sorted(set(manifest) - set(MODEL_ORDER))
    # The variants (export_models.py --variants) only with --variants, the quantized models only
    # with --int8, or named in --models.
    variants = [m for m in names if manifest[m].get("variant")]
    int8 = [m for m in names if manifest[m].get("int8")]
    names = variants if args.variants else int8 if args.int8 else \
        [m for m in names if m not in variants and m not in int8]
    if args.models:
        wanted = [m for m in args.models.split(",") if m]
        missing = [m for m in wanted if m not in manifest]
        if missing:
            sys.exit(f"run.py: not exported: {', '.join(missing)} (exported: {', '.join(names)})")
        names = wanted

    results = []
    checks = {}
    work = {}
    for name in names:
        entry = manifest[name]
        model_path = os.path.join(MODELS_DIR, entry["model"])
        available = sorted(int(b) for b in entry["inputs"])
        model_batches = [b for b in batches if b in available] or available
        onyx_error = None  # an error not about time is the same for every case: run it once
        if args.check:
            b = model_batches[0]
            tolerance = INT8_CHECK_TOLERANCE if entry.get("int8") else CHECK_TOLERANCE
            checks[name] = {"batch": b, "threads": threads_list[0], "verdict": check_outputs(
                args, model_path, entry["inputs"][str(b)], threads_list[0], tolerance)}
            print(f"[{datetime.datetime.now():%H:%M:%S}] {name} output check: "
                  f"{checks[name]['verdict']}", file=sys.stderr, flush=True)
        # The float FMA peak says nothing of an int8 model's products.
        if not args.no_ceiling and not entry.get("int8"):
            for batch in model_batches:
                files = {k: os.path.join(MODELS_DIR, v) for k, v in entry["inputs"][str(batch)].items()}
                try:
                    work[(name, batch)] = flops.model_flops(model_path, files, args.onyx)[0] / 1e9
                except (RuntimeError, OSError, KeyError, ValueError) as e:
                    print(f"run.py: {name} batch {batch}: no flop count ({e})", file=sys.stderr)
        for threads in threads_list:
            for batch in model_batches:
                peak = None if args.no_ceiling else fma_peak(args, threads)
                case = run_case(args, model_path, entry["inputs"][str(batch)], threads, onyx_error)
                if "error" in case["onyx"] and not case["onyx"]["error"].startswith("timeout"):
                    onyx_error = case["onyx"]["error"]
                ok = "error" not in case["ort"] and "error" not in case["onyx"]
                ratio = case["onyx"]["median_ms"] / case["ort"]["median_ms"] if ok else None
                r = {"model": name, "threads": threads, "batch": batch, "ratio": ratio,
                     "peak_gflops": peak, **case}
                results.append(r)
                print(f"[{datetime.datetime.now():%H:%M:%S}] {name} threads {threads} batch "
                      f"{batch}: ORT {fmt_ms(case['ort'])}, onyx {fmt_ms(case['onyx'])}"
                      + (f", FMA peak {peak:.0f} GFLOP/s" if peak else ""),
                      file=sys.stderr, flush=True)

    rows = table_rows(results)
    gms = geomeans(results)
    ceiling = ceiling_rows(results, work)
    print(text_table(rows))
    print()
    for line in geomean_lines(gms):
        print(line)
    if ceiling:
        print("\nAgainst the machine's float FMA peak (onyx peak; work from bench/flops.py):")
        print(text_table(ceiling, CEILING_HEADER))
    if checks:
        print()
        for line in check_lines(checks):
            print(line)

    if args.out:
        base = args.out[:-5] if args.out.endswith(".json") else \
            args.out[:-3] if args.out.endswith(".md") else args.out
        os.makedirs(os.path.dirname(os.path.abspath(base)), exist_ok=True)
        report = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu_description(),
            "ort_version": version,
            "onyx": os.path.abspath(args.onyx),
            "options": {"threads": threads_list, "batches": batches, "iters": args.iters,
                        "warmup": args.warmup, "rounds": args.rounds, "timeout_s": args.timeout},
            "results": results,
            "geomeans": gms,
            "checks": checks,
            "gflop_per_run": {f"{m} batch {b}": g for (m, b), g in work.items()},
        }
        with open(base + ".json", "w") as f:
            json.dump(report, f, indent=2)
        with open(base + ".md", "w") as f:
            f.write(markdown(report, rows, gms, checks, ceiling))
        print(f"\nwrote {base}.json and {base}.md")


if __name__ == "__main__":
    main()
