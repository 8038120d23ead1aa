#!/usr/bin/env bash
# Configures and builds onyx into build/ (Release, Ninja, 2 jobs by default).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "${JOBS:-2}"
