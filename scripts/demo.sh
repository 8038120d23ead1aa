#!/usr/bin/env bash
# The first README command: install, build, run the bundled digit classifier through onyx.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
/usr/bin/python3 examples/digits/demo.py --onyx build/onyx
