#!/usr/bin/env bash
# Prove the app's own GPU path on a CUDA machine with no network:
#
#   bash installers/gpu/cuda_proof.sh SOURCE_TREE OUT_DIR
#
# builds llama-cpp-python with CUDA from SOURCE_TREE (build_cuda_llama.sh, into OUT_DIR/site),
# writes a synthetic model in the exact gpt-oss-20b layout (random weights, 11.3 GiB), then runs
# the app's own `bench decode`, `bench prefill` and `bench load` on it, unmodified, with every
# layer on the GPU. Figures go to OUT_DIR/*.json, progress to stderr. Needs python3 with numpy,
# gguf, platformdirs and psutil; Qt is not needed (the benches fall back to a worker thread).
set -euo pipefail
src=${1:?usage: cuda_proof.sh SOURCE_TREE OUT_DIR}
out=$(mkdir -p "${2:?usage: cuda_proof.sh SOURCE_TREE OUT_DIR}" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
[ -d "$out/site/llama_cpp" ] || bash "$here/installers/gpu/build_cuda_llama.sh" "$src" "$out/site"
export PYTHONPATH="$out/site:$here${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
cd "$here"
model=${MODEL:-$out/gpt-oss-20b-synthetic.gguf}
[ -f "$model" ] || "$python" -c "import sys; from desktop.bench.synthetic import write_synthetic_gpt_oss; write_synthetic_gpt_oss(sys.argv[1])" "$model"
export GPT_OSS_DESKTOP_HOME="$out/home"
for part in decode prefill load; do
  echo "bench $part ..." >&2
  "$python" -m desktop bench "$part" --model "$model" --gpu-layers -1 --json ${BENCH_ARGS_EXTRA:-} | tee "$out/$part.json"
done
