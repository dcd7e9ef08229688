#!/usr/bin/env bash
# Tunes hybrid mode's λ and prior temperature on Cranfield's tuning queries 101–150 ONLY (never on the training
# queries the demo model memorised, never on the test queries): prints MRR@5 and H@5 per setting. The defaults in
# src/core/self-retriever.ts (DEFAULT_SEARCH) are the best MRR@5 of this grid.
set -euo pipefail
cd "$(dirname "$0")/.."
# The command runs from its build (dist/cli/main.js); build it from the current sources.
npm run --silent build:cli >/dev/null
for lambda in 0.5 1 2; do
  for temperature in 0.05 0.1; do
    node bin/self-retrieval.mjs eval --cranfield public/demo/cranfield --split tune --mode hybrid \
      --lambda "$lambda" --prior-temperature "$temperature" --json |
      node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
        console.log(`λ=${process.argv[1]} T=${process.argv[2]} MRR@5=${r.metrics["MRR@5"]} H@5=${r.metrics["H@5"]}`)' \
        "$lambda" "$temperature"
  done
done
