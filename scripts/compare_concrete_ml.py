#!/usr/bin/env python3
"""Side by side on this machine: concrete-ml's NeuralNetClassifier and fhe-ml, encrypted MNIST.

concrete-ml runs the model of the AWS SageMaker sample (a skorch NeuralNetClassifier 784->392->10,
4-bit weights and activations), trained here for a few epochs on the bundled MNIST training images,
compiled, and evaluated with real FHE one image at a time. fhe-ml runs `fhe-ml bench mnist` with the
same architecture (--hidden 392) and with its default 784->64->10. All three score the same test
images (data/mnist/t10k), in interleaved rounds so that changes in machine load hit all of them.

The times compared are the server's evaluation of one encrypted image (concrete-ml: circuit.run;
fhe-ml: server_ms), on all cores for both. Encryption and decryption on the client are reported
separately (end_to_end = encrypt + server + decrypt). Training, compilation and key generation are
timed but kept out of the per-image figures.

See scripts/compare_concrete_ml.md for how to install concrete-ml and run this.
"""
import argparse
import contextlib
import datetime
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MNIST = ROOT / "data" / "mnist"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Encrypted MNIST, one image at a time: concrete-ml 1.9 NeuralNetClassifier "
        "784->392->10 vs fhe-ml (784->392->10 and its default 784->64->10), interleaved rounds.")
    p.add_argument("--images", type=int, default=5, help="test images per system per round (default: 5)")
    p.add_argument("--rounds", type=int, default=4, help="rounds (default: 4)")
    p.add_argument("--start", type=int, default=0,
                   help="first test image; round r scores images start + r*images .. (default: 0)")
    p.add_argument("--out", type=Path, default=Path("compare-concrete-ml.json"),
                   help="JSON result file (default: compare-concrete-ml.json)")
    p.add_argument("--fhe-ml", type=Path, default=ROOT / "fhe-ml", dest="fhe_ml",
                   help="the fhe-ml launcher (default: the repository's ./fhe-ml)")
    p.add_argument("--fhe-ml-cache", type=Path, default=None,
                   help="FHEML_CACHE for fhe-ml's trained models (default: the environment's, else ~/.cache/fhe-ml)")
    p.add_argument("--ours-392-epochs", type=int, default=10,
                   help="training epochs of fhe-ml's 784->392->10 (default: 10; trained once, then cached)")
    p.add_argument("--cml-epochs", type=int, default=5, help="concrete-ml training epochs (default: 5)")
    p.add_argument("--cml-hidden-multiplier", type=float, default=0.5,
                   help="module__n_hidden_neurons_multiplier: hidden width = 784 x this (default: 0.5 -> 392)")
    p.add_argument("--cml-bits", type=int, default=4, help="module__n_w_bits = module__n_a_bits (default: 4)")
    p.add_argument("--cml-compile-set", type=int, default=1000,
                   help="training images used as concrete-ml's compilation input set (default: 1000)")
    p.add_argument("--seed", type=int, default=1, help="concrete-ml training seed (default: 1)")
    p.add_argument("--skip-ours", action="store_true", help="run concrete-ml only")
    p.add_argument("--skip-concrete-ml", action="store_true", help="run fhe-ml only")
    p.add_argument("--logs", type=Path, default=None,
                   help="folder for fhe-ml's stderr logs (default: a temporary folder, removed at the end)")
    a = p.parse_args(argv)
    if a.images < 1 or a.rounds < 1:
        p.error("--images and --rounds must be at least 1")
    if a.start < 0 or a.start + a.images * a.rounds > 10000:
        p.error(f"--start + --images x --rounds must stay within the 10,000 test images, got "
                f"{a.start} + {a.images} x {a.rounds}")
    if a.skip_ours and a.skip_concrete_ml:
        p.error("--skip-ours and --skip-concrete-ml leave nothing to run")
    if not a.skip_ours and not a.fhe_ml.exists():
        p.error(f"--fhe-ml {a.fhe_ml} does not exist")
    return a


# ---------------------------------------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (gzipped) as a numpy array: images (n, rows*cols) uint8 or labels (n,) uint8."""
    import numpy
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    arr = numpy.frombuffer(data, dtype=numpy.uint8, offset=4 + 4 * dims)
    if arr.size != int(numpy.prod(shape)):
        raise ValueError(f"{path}: expected {shape}, found {arr.size} values")
    return arr.reshape(shape[0], -1) if dims > 1 else arr


def load_mnist():
    import numpy
    def pair(name):
        x = read_idx(MNIST / f"{name}-images-idx3-ubyte.gz").astype(numpy.float32) / 255.0
        y = read_idx(MNIST / f"{name}-labels-idx1-ubyte.gz").astype(numpy.int64)
        return x, y
    return pair("train10k"), pair("t10k")


# ------------------------------------------------------------------------------------------ helpers

def summary(values):
    s = sorted(values)
    n = len(s)
    if n == 0:
        return None
    p90 = s[min(n - 1, max(0, int(round(0.9 * (n - 1)))))]
    return {"median": round(statistics.median(s), 4), "p90": round(p90, 4),
            "mean": round(statistics.fmean(s), 4), "min": round(s[0], 4), "max": round(s[-1], 4), "n": n}


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "mem_gib": mem, "os": platform.platform()}


def git_commit():
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip() != ""
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return None, None


def package_version(name):
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def java_version():
    try:
        r = subprocess.run(["java", "-version"], capture_output=True, text=True)
        return (r.stderr or r.stdout).splitlines()[0].strip()
    except (OSError, IndexError):
        return None


# --------------------------------------------------------------------------------------- concrete-ml

def require_concrete_ml():
    """Exits with how to install concrete-ml when this Python lacks it (or numpy, torch)."""
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
        from concrete.ml.sklearn import NeuralNetClassifier  # noqa: F401
    except ImportError as e:
        sys.exit(f"error: concrete-ml is not installed in this Python ({sys.executable}): {e}\n"
                 f"  python3.11 -m venv /path/to/venv && /path/to/venv/bin/pip install -r "
                 f"{ROOT / 'scripts' / 'compare-requirements.txt'}\n"
                 f"  then run this script with /path/to/venv/bin/python (or pass --skip-concrete-ml)")


class ConcreteMl:
    """The SageMaker sample's model: trained, compiled and keyed once, then one image at a time."""

    def __init__(self, args, train, test):
        self.args = args
        self.x_test, self.y_test = test
        self.info = {}
        import numpy
        import torch
        from concrete.ml.sklearn import NeuralNetClassifier
        self.numpy = numpy
        x_train, y_train = train
        torch.manual_seed(args.seed)
        numpy.random.seed(args.seed)
        params = {
            "module__n_layers": 2,
            "module__n_w_bits": args.cml_bits,
            "module__n_a_bits": args.cml_bits,
            "module__n_hidden_neurons_multiplier": args.cml_hidden_multiplier,
            "max_epochs": args.cml_epochs,
            "verbose": 1,
        }
        self.model = NeuralNetClassifier(**params)
        log(f"concrete-ml: training {params} on {len(x_train)} images ...")
        t = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # skorch's epoch table goes to stderr
            self.model.fit(x_train, y_train)
        train_s = time.perf_counter() - t
        fc = [m for m in self.model.module_.features.children() if isinstance(m, torch.nn.Linear)]
        widths = [int(fc[0].in_features)] + [int(m.out_features) for m in fc]
        log(f"concrete-ml: trained in {train_s:.1f} s, layers {'->'.join(map(str, widths))}")

        t = time.perf_counter()
        clear_pred = self.model.predict(self.x_test)  # quantized model, in the clear
        clear_acc = float((clear_pred == self.y_test).mean())
        log(f"concrete-ml: quantized accuracy in the clear on {len(self.y_test)} test images {clear_acc:.4f} "
            f"({time.perf_counter() - t:.1f} s)")

        inputset = x_train[:args.cml_compile_set]
        log(f"concrete-ml: compiling with {len(inputset)} input-set images ...")
        t = time.perf_counter()
        self.circuit = self.model.compile(inputset)
        compile_s = time.perf_counter() - t
        log(f"concrete-ml: compiled in {compile_s:.1f} s; {self._stat('programmable_bootstrap_count')} "
            f"programmable bootstraps per image")

        log("concrete-ml: generating keys ...")
        t = time.perf_counter()
        self.circuit.keygen(force=True)
        keygen_s = time.perf_counter() - t
        log(f"concrete-ml: keys in {keygen_s:.1f} s")

        bsk = self._stat("size_of_bootstrap_keys")
        ksk = self._stat("size_of_keyswitch_keys")
        self.info = {
            "model": "NeuralNetClassifier " + "->".join(map(str, widths)),
            "layers": widths,
            "params": params,
            "train_images": int(len(x_train)),
            "train_s": round(train_s, 2),
            "compile_s": round(compile_s, 2),
            "compile_input_set": int(len(inputset)),
            "keygen_s": round(keygen_s, 2),
            "accuracy_quantized_clear_10k": round(clear_acc, 4),
            "pbs_count": self._stat("programmable_bootstrap_count"),
            "key_switch_count": self._stat("key_switch_count"),
            "p_error": self._stat("p_error"),
            "global_p_error": self._stat("global_p_error"),
            "evaluation_key_bytes": (bsk + ksk) if bsk is not None and ksk is not None else None,
            "bootstrap_key_bytes": bsk,
            "keyswitch_key_bytes": ksk,
        }

    def _stat(self, name):
        try:
            return getattr(self.circuit, name)
        except Exception:  # statistics differ between concrete-python versions; missing is not fatal
            return None

    def warm_up(self, index):
        q = self.model.quantize_input(self.x_test[index:index + 1])
        self.circuit.decrypt(self.circuit.run(self.circuit.encrypt(q)))

    def run(self, index):
        """One test image: encrypt, run, decrypt, timed separately; the class and the simulation's."""
        np = self.numpy
        q = self.model.quantize_input(self.x_test[index:index + 1])
        t0 = time.perf_counter()
        enc = self.circuit.encrypt(q)
        t1 = time.perf_counter()
        res = self.circuit.run(enc)
        t2 = time.perf_counter()
        out = self.circuit.decrypt(res)
        t3 = time.perf_counter()
        predicted = int(np.argmax(self.model.dequantize_output(out), axis=1)[0])
        simulated = int(np.argmax(self.model.dequantize_output(self.circuit.simulate(q)), axis=1)[0])
        return {"index": index, "label": int(self.y_test[index]), "predicted": predicted,
                "simulated": simulated, "server_s": t2 - t1, "encrypt_s": t1 - t0, "decrypt_s": t3 - t2}


# -------------------------------------------------------------------------------------------- fhe-ml

class FheMl:
    """One `fhe-ml bench mnist` configuration; each round is one run of the CLI on k images."""

    def __init__(self, name, extra, args, env, log_dir):
        self.name = name
        self.args = args
        self.cmd = [str(args.fhe_ml), "bench", "mnist", *extra]
        self.env = env
        self.log_dir = log_dir
        self.runs = []
        self.last = None

    def bench(self, offset, samples, tag):
        out = self.log_dir / f"{self.name}-{tag}.json"
        err = self.log_dir / f"{self.name}-{tag}.log"
        cmd = self.cmd + ["--samples", str(samples), "--offset", str(offset), "--json", str(out)]
        t = time.perf_counter()
        with open(err, "w") as e:
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=e, env=self.env)
        wall = time.perf_counter() - t
        if r.returncode != 0:
            tail = "".join(err.read_text().splitlines(True)[-15:])
            sys.exit(f"error: {' '.join(cmd)} exited with {r.returncode}; its log ({err}) ends with:\n{tail}")
        result = json.loads(out.read_text())
        if "per_image_ms" not in result:
            sys.exit(f"error: {self.args.fhe_ml} does not report per_image_ms: rebuild it from this checkout "
                     f"(bench mnist --offset and per-image times)")
        self.last = result
        return result, wall

    def round(self, offset, samples, r):
        result, wall = self.bench(offset, samples, f"round{r}")
        per = result["per_image_ms"]
        self.runs.append({"offset": offset, "wall_s": round(wall, 2), "agreement": result["agreement"]})
        return [{"index": offset + i, "server_s": per["server_ms"][i] / 1000, "encrypt_s": per["encrypt_ms"][i] / 1000,
                 "decrypt_s": per["decrypt_ms"][i] / 1000} for i in range(samples)], result["correct"]

    def info(self):
        r = self.last or {}
        return {
            "command": " ".join(self.cmd[1:]),
            "model": r.get("model"), "layers": [784, *r.get("hidden", []), 10], "params": r.get("params"),
            "model_id": r.get("model_id"), "threads": r.get("threads"),
            "accuracy_quantized_10k": r.get("accuracy_quantized"), "pbs_count": r.get("pbs_count"),
            "ks_pbs_ms_last_run": r.get("ks_pbs_ms"), "p_fail_per_query": r.get("p_fail_per_query"),
            "evaluation_key_bytes": r.get("eval_key_bytes"), "sanitized": r.get("sanitized"),
            "runs": self.runs,
        }


# ------------------------------------------------------------------------------------------- driver

def block(images, correct, extra=None):
    d = {
        "images_scored": len(images),
        "correct": correct,
        "accuracy": round(correct / len(images), 4) if images else None,
        "server_s": summary([i["server_s"] for i in images]),
        "end_to_end_s": summary([i["server_s"] + i["encrypt_s"] + i["decrypt_s"] for i in images]),
        "encrypt_s": summary([i["encrypt_s"] for i in images]),
        "decrypt_s": summary([i["decrypt_s"] for i in images]),
    }
    if extra:
        d.update(extra)
    d["per_image"] = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in i.items()} for i in images]
    return d


def ratio(a, b, key):
    try:
        return round(a[key]["median"] / b[key]["median"], 2)
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def main(argv=None):
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    t_all = time.perf_counter()
    load_start = os.getloadavg()
    commit, dirty = git_commit()
    k, rounds = args.images, args.rounds
    log(f"compare: {rounds} rounds x {k} images per system, test images {args.start}.."
        f"{args.start + k * rounds - 1}; {os.cpu_count()} cores; load {load_start[0]:.2f}")

    if not args.skip_concrete_ml:
        require_concrete_ml()  # before anything slow
    ours = []
    tmp = None
    if not args.skip_ours:
        log_dir = args.logs or Path(tempfile.mkdtemp(prefix="compare-cml-"))
        tmp = None if args.logs else log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        if args.fhe_ml_cache:
            env["FHEML_CACHE"] = str(args.fhe_ml_cache)
        ours = [FheMl("fhe_ml_392", ["--hidden", "392", "--epochs", str(args.ours_392_epochs)], args, env, log_dir),
                FheMl("fhe_ml_default", [], args, env, log_dir)]
        for o in ours:
            # Builds fhe-ml if needed, trains or reuses the cached model, and warms up: not timed.
            log(f"{o.name}: preparing ({' '.join(o.cmd[1:])}; trains once, then reuses {env.get('FHEML_CACHE', '~/.cache/fhe-ml')}) ...")
            t = time.perf_counter()
            r, _ = o.bench(args.start, 1, "prepare")
            log(f"{o.name}: ready in {time.perf_counter() - t:.1f} s: {r['model']} hidden {r['hidden']}, "
                f"{r['pbs_count']} bootstraps, quantized accuracy {r['accuracy_quantized']:.4f} on 10,000 test images")

    cml = None
    if not args.skip_concrete_ml:
        train, test = load_mnist()
        cml = ConcreteMl(args, train, test)
        t = time.perf_counter()
        cml.warm_up(args.start)
        log(f"concrete-ml: warm-up image (not counted) {time.perf_counter() - t:.1f} s")

    images = {"concrete_ml": [], "fhe_ml_392": [], "fhe_ml_default": []}
    correct = {name: 0 for name in images}
    for r in range(rounds):
        offset = args.start + r * k
        if cml:
            for i in range(offset, offset + k):
                res = cml.run(i)
                images["concrete_ml"].append(res)
                correct["concrete_ml"] += res["predicted"] == res["label"]
                log(f"round {r + 1}/{rounds}  concrete-ml     image {i}: {res['server_s']:8.3f} s "
                    f"(label {res['label']}, FHE {res['predicted']}, simulated {res['simulated']})")
        for o in ours:
            per, right = o.round(offset, k, r + 1)
            images[o.name].extend(per)
            correct[o.name] += right
            med = statistics.median(p["server_s"] for p in per)
            log(f"round {r + 1}/{rounds}  {o.name:15s} images {offset}..{offset + k - 1}: median {med:8.3f} s, "
                f"{right}/{k} correct")

    result = {
        "benchmark": "encrypted MNIST, one image at a time: concrete-ml NeuralNetClassifier vs fhe-ml bench mnist",
        "date": started.isoformat(timespec="seconds"),
        "duration_s": None,
        "machine": machine(),
        "versions": {
            "python": platform.python_version(),
            "concrete_ml": package_version("concrete-ml"),
            "concrete_python": package_version("concrete-python"),
            "torch": package_version("torch"),
            "brevitas": package_version("brevitas"),
            "skorch": package_version("skorch"),
            "fhe_ml_commit": commit,
            "fhe_ml_dirty": dirty,
            "java": java_version() if ours else None,
        },
        "settings": {
            "images_per_round": k, "rounds": rounds, "test_images": [args.start, args.start + k * rounds - 1],
            "test_set": "data/mnist/t10k", "train_set": "data/mnist/train10k",
            "timed": "server evaluation of one encrypted image (concrete-ml circuit.run, fhe-ml server_ms), "
                     "all cores; end_to_end adds the client's encrypt and decrypt",
        },
    }
    systems = {}
    if cml:
        sims = images["concrete_ml"]
        agree = sum(i["predicted"] == i["simulated"] for i in sims)
        systems["concrete_ml"] = block(sims, correct["concrete_ml"], {
            **cml.info, "agreement_with_simulation": round(agree / len(sims), 4)})
    for o in ours:
        systems[o.name] = block(images[o.name], correct[o.name], o.info())
    result.update(systems)
    result["ratios"] = {}
    if cml and ours:
        for key in ("server_s", "end_to_end_s"):
            result["ratios"][key.replace("_s", "") + "_median"] = {
                "concrete_ml_over_fhe_ml_392": ratio(systems["concrete_ml"], systems["fhe_ml_392"], key),
                "concrete_ml_over_fhe_ml_default": ratio(systems["concrete_ml"], systems["fhe_ml_default"], key),
            }
    load_end = os.getloadavg()
    result["machine"]["load_average_start"] = [round(x, 2) for x in load_start]
    result["machine"]["load_average_end"] = [round(x, 2) for x in load_end]
    result["duration_s"] = round(time.perf_counter() - t_all, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)

    m = result["machine"]
    v = result["versions"]
    print(f"Encrypted MNIST, one image at a time — {result['date']}, {m['nproc']} cores ({m['cpu_model']}), "
          f"load {load_start[0]:.2f} -> {load_end[0]:.2f}")
    print(f"concrete-ml {v['concrete_ml']} (python {v['python']}), fhe-ml {(commit or '?')[:10]}"
          f"{' (dirty)' if dirty else ''}; {rounds} rounds x {k} images, test images "
          f"{args.start}..{args.start + k * rounds - 1}")
    print(f"{'system':34s} {'server s/image':>14s} {'p90':>8s} {'end-to-end':>10s} {'accuracy':>12s} {'PBS':>6s}")
    for name, s in systems.items():
        label = f"{name} ({'->'.join(map(str, s['layers']))})"
        print(f"{label:34s} {s['server_s']['median']:14.3f} {s['server_s']['p90']:8.3f} "
              f"{s['end_to_end_s']['median']:10.3f} {s['correct']:5d}/{s['images_scored']:<6d} {s['pbs_count'] or '?':>6}")
    if cml:
        c = systems["concrete_ml"]
        print(f"concrete-ml: train {c['train_s']} s, compile {c['compile_s']} s, keygen {c['keygen_s']} s, "
              f"agreement with simulation {c['agreement_with_simulation']}")
    for key, rs in result["ratios"].items():
        print(f"ratio ({key.replace('_', ' ')}): concrete-ml / fhe-ml 392 = {rs['concrete_ml_over_fhe_ml_392']}x, "
              f"concrete-ml / fhe-ml default = {rs['concrete_ml_over_fhe_ml_default']}x")
    print(f"wrote {args.out} ({result['duration_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
