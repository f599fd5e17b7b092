#!/usr/bin/env bash
# Device check (issue #10): what tucker-train does on this machine's GPU, from a built tree with
# no network. Runs `doctor`, then `bench step` and `bench speedup` (VGG19, batch 128,
# ratio:0.25) on the best GPU backend doctor finds, then a 2-epoch decomposed run on synthetic
# CIFAR-shaped data, and prints one table. Needs only Node and dist/ (build it first with
# `node esbuild.config.mjs --production`: no source maps, ~36 MB with Dawn for one platform).
#
#   scripts/device-check.sh [--backend B] [--model M] [--batch N] [--steps N] [--out DIR]
#
# --backend forces a backend (default: tensorflow-gpu or webgpu if doctor finds them, else
# what auto picks); the other flags shrink the check (e.g. --model small-cnn --batch 8 on a
# software adapter). Results (doctor.json, bench-*.json, the run folder) go to --out, else $OUT,
# else a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

backend='' model=vgg19 batch=128 steps=5 out="${OUT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "device-check: unknown argument '$1'; see --help" >&2; exit 2 ;;
  esac
done
[ -f dist/cli.js ] || { echo 'device-check: dist/cli.js is missing: run node esbuild.config.mjs --production first' >&2; exit 2; }
out=${out:-$(mktemp -d)}
mkdir -p "$out"
cli=(node dist/cli.js)

echo "== dist/: $(du -sh dist | cut -f1) ($(du -sh --exclude='*.map' dist | cut -f1) without source maps); results in $out"
echo '== doctor'
"${cli[@]}" doctor --json >"$out/doctor.json"
"${cli[@]}" doctor | tee "$out/doctor.txt"

if [ -z "$backend" ]; then
  # The best GPU backend doctor found: tensorflow-gpu, else webgpu (a software adapter only when
  # nothing better exists: its timings then check correctness, not speed), else auto's choice.
  backend=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const ok = (n) => r.backends.find((b) => b.name === n && b.available);
    console.log(ok("tensorflow-gpu") ? "tensorflow-gpu" : ok("webgpu") ? "webgpu" : r.auto.used);
  ' "$out/doctor.json")
fi
echo "== backend for the check: $backend"

echo "== bench step ($model, batch $batch)"
"${cli[@]}" bench step --model "$model" --backend "$backend" --batch "$batch" --steps "$steps" --warmup 2 --json | tee "$out/bench-step.json"
echo "== bench speedup ($model, batch $batch, ratio:0.25)"
"${cli[@]}" bench speedup --model "$model" --backend "$backend" --batch "$batch" --rank-policy ratio:0.25 --steps "$steps" --warmup 1 --json |
  tee "$out/bench-speedup.json"

echo '== 2-epoch decomposed run on synthetic CIFAR-shaped data'
"${cli[@]}" train --model "$model" --dataset synthetic:32x32x3 --epochs 2 --decompose-at 1 --reconstruct-at none \
  --rank-policy ratio:0.25 --batch-size "$batch" --backend "$backend" --runs-dir "$out/runs" --name device-check --quiet || true

node - "$out" <<'EOF'
const fs = require('fs');
const path = require('path');
const out = process.argv[2];
const read = (f) => JSON.parse(fs.readFileSync(path.join(out, f), 'utf8'));
const doctor = read('doctor.json');
const step = read('bench-step.json');
const sp = read('bench-speedup.json');
const runsDir = path.join(out, 'runs');
const runDir = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).map((d) => path.join(runsDir, d))[0] : null;
const run = runDir ? JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) : null;
const metrics = runDir
  ? fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  : [];
const a = run?.backend?.adapter ?? doctor.backends.find((b) => b.name === 'webgpu')?.adapter;
const rows = [
  ['host', `${doctor.platform}-${doctor.arch}, Node ${doctor.node}, TensorFlow.js ${doctor.tfjs}`],
  ['auto would choose', `${doctor.auto.used} on ${doctor.auto.device}`],
  ['backend checked', `${step.backend} on ${step.device}`],
  ['adapter', a ? `${a.description || a.device} (vendor ${a.vendor}, architecture ${a.architecture}, ${a.software ? 'software' : 'hardware'})` : '–'],
  [`bench step ${step.model}, batch ${step.batch}`, `${step.msPerStep} ms/step (min ${step.msMin}, max ${step.msMax}), ${step.imagesPerSecond} images/s`],
  ['speedup: original', `${sp.original.msPerStep} ms/step`],
  [`speedup: decomposed (${sp.rankPolicy})`, `${sp.decomposed.msPerStep} ms/step, ${sp.decomposedLayers} layers, params ${sp.paramsBefore} → ${sp.paramsAfter}`],
  ['speedup: measured vs eq. 11', `${sp.measuredSpeedup}× vs ${sp.predictedSpeedup}× (${Math.round((100 * sp.measuredSpeedup) / sp.predictedSpeedup)} %)`],
  ['2-epoch run', run ? `${run.status}${run.error ? `: ${run.error}` : ''}; run.json backend ${run.backend?.used}` : 'no run folder'],
  ...metrics.map((m) => [`  epoch ${m.epoch} [${m.phase}]`, `${m.epochSeconds.toFixed(1)} s, ${m.imagesPerSecond.toFixed(0)} images/s, loss ${m.trainLoss.toFixed(3)}, params ${m.params}`]),
];
const w = Math.max(...rows.map((r) => r[0].length));
console.log('\n== device check');
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
EOF
