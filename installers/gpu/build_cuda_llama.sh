#!/usr/bin/env bash
# Build llama-cpp-python with CUDA from a source tree, offline, and check the result.
#
#   bash installers/gpu/build_cuda_llama.sh SOURCE_TREE [TARGET_DIR]
#
# SOURCE_TREE is an unpacked llama-cpp-python sdist (its vendor/llama.cpp included). Without
# TARGET_DIR the build is installed into the running Python environment; with it, into that
# folder (put it first on PYTHONPATH). Nothing is downloaded: scikit-build-core, cmake and ninja
# must already be installed. CUDA_ARCHS (default: native) picks the GPU architectures, e.g. 90.
#
# `-Wl,--exclude-libs,ALL` keeps whatever a library links from a static archive private to it.
# Without it, some toolchains produce a libggml-cuda.so that exports a static copy of the C++
# runtime, and the app crashes while loading a model (desktop/core/llama_build.py explains why).
set -euo pipefail
src=${1:?usage: build_cuda_llama.sh SOURCE_TREE [TARGET_DIR]}
target=${2:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
export CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHS:-native} -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--exclude-libs,ALL ${CMAKE_ARGS:-}"
echo "building llama-cpp-python from $src with CMAKE_ARGS=$CMAKE_ARGS" >&2
started=$(date +%s)
"$python" -m pip install --no-build-isolation --no-deps --no-index --force-reinstall ${target:+--target "$target"} "$src" >&2
echo "built in $(( $(date +%s) - started )) s" >&2
[ -n "$target" ] && export PYTHONPATH="$target${PYTHONPATH:+:$PYTHONPATH}"
# The same check the app runs before loading a model: exit 1 if the build exports the C++ runtime.
cd "$here" && "$python" -m desktop.core.llama_build
