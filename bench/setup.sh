#!/usr/bin/env bash
# Installs ONNX Runtime for Node (CPU build, version pinned in package.json) into bench/node_modules.
# --ignore-scripts: the package ships its CPU binaries; its install script only fetches optional
# GPU providers, which this machine cannot download and the benchmark does not use.
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail
cd "$(dirname "$0")"

want=$(node -p "require('./package.json').dependencies['onnxruntime-node']")
have=$(node -p "try { require('./node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")
if [[ "$have" == "$want" ]]; then
  echo "onnxruntime-node $have already installed in bench/node_modules"
  exit 0
fi
# --no-package-lock: the lock file would only record download addresses.
npm install --ignore-scripts --no-package-lock --no-audit --no-fund
node -e "const ort = require('onnxruntime-node'); console.log('onnxruntime-node', ort.env.versions.node, 'installed')"
