#!/bin/bash
# Issues 12 and 13: one sitting of benchmarks and training runs, nothing else running (results in $OUT/all.txt).
# Needs python3-torch (Debian) at /usr/bin/python3, dataset-fashion-mnist, and npm run build first.
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/measure}; mkdir -p $OUT
T() { name=$1; shift; echo "### $name: $*" >> $OUT/all.txt; /usr/bin/time -f "wall %e s" "$@" >> $OUT/all.txt 2>&1; echo >> $OUT/all.txt; }
date >> $OUT/all.txt; uptime >> $OUT/all.txt
# 13: toy step vs PyTorch
T toy-auto node dist/cli.js bench step --model toy --backend wasm --batch 64 --steps 20 --warmup 3
T toy-1thread node dist/cli.js bench step --model toy --backend wasm --batch 64 --steps 20 --warmup 3 --threads 1
T torch-toy-default /usr/bin/python3 scripts/torch_step_bench.py --batch 64 --steps 20 --warmup 3
T torch-toy-2 /usr/bin/python3 scripts/torch_step_bench.py --batch 64 --steps 20 --warmup 3 --threads 2
# 13: VGG19 ratio:0.25 measured/eq.11, ours vs PyTorch
T vgg-flops node dist/cli.js bench speedup --model vgg19 --backend wasm --batch 32 --rank-policy ratio:0.25 --decide flops
T torch-vgg-default /usr/bin/python3 scripts/torch_vgg19_speedup.py --batch 32 --steps 7 --ratio 0.25
T torch-vgg-2 /usr/bin/python3 scripts/torch_vgg19_speedup.py --batch 32 --steps 7 --ratio 0.25 --threads 2
T vgg-measured node dist/cli.js bench speedup --model vgg19 --backend wasm --batch 32 --rank-policy ratio:0.25 --decide measured
T vgg-freeze node dist/cli.js bench speedup --model vgg19 --backend wasm --batch 32 --rank-policy ratio:0.25 --decide flops --freeze sequential
# 13: ResNet56 original vs Tucker-only vs Tucker + pointwise
T resnet-tucker node dist/cli.js bench speedup --model resnet56 --backend wasm --batch 32 --rank-policy ratio:0.25 --decide flops
T resnet-pointwise node dist/cli.js bench speedup --model resnet56 --backend wasm --batch 32 --rank-policy ratio:0.25 --decide flops --decompose-pointwise
date >> $OUT/all.txt
# 12: four rows, one sitting (Fashion-MNIST, 5,000 images, 10 epochs), then 13's decide measured vs flops
C="--dataset fashion-mnist --train-subset 5000 --epochs 10 --lr-milestones 7 --backend wasm --runs-dir $OUT/runs"
T original node dist/cli.js train $C --name original --baseline
T fixed node dist/cli.js train $C --name fixed --decompose-at 3 --reconstruct-at 8
T auto node dist/cli.js train $C --name auto --decompose-at auto --reconstruct-at none
R="--decompose-at auto --reconstruct-at none --factor-decay 0.0025 --switch-lr restart:2"
T auto-recipe node dist/cli.js train $C --name auto-recipe $R
# the recipe with ranks from stable rank (Cuttlefish-style): at auto's default bounds, and capped at epoch 3
T auto-recipe-stable2 node dist/cli.js train $C --name auto-recipe-stable2 $R --rank-policy stable:2
T auto-recipe-stable2-max3 node dist/cli.js train $C --name auto-recipe-stable2-max3 $R --rank-policy stable:2 --auto-max-epoch 3
Q="--dataset fashion-mnist --train-subset 5000 --epochs 5 --decompose-at 2 --reconstruct-at none --lr-milestones 4 --backend wasm --runs-dir $OUT/runs13"
T quick-measured node dist/cli.js train $Q --name quick-measured --decide measured
T quick-flops node dist/cli.js train $Q --name quick-flops --decide flops
date >> $OUT/all.txt
echo DONE >> $OUT/all.txt
