#!/usr/bin/env python3
"""Prints the output of `self-retrieval eval --variants --json` (one file per split) as a plain-text table: the
README's "Evaluation" table and the closing report were written from it."""
import json
import sys

for path in sys.argv[1:]:
    print('==', path)
    for r in json.load(open(path)):
        m = r['metrics']
        v = r['mrr5VsLexical']
        print(
            f"{r['variant']:32s} H1 {m['H@1']:.3f} H5 {m['H@5']:.3f} MRR5 {m['MRR@5']:.3f} nDCG {m['nDCG@10']:.3f}"
            f" fp {r['forwardPassesPerQuery']} tok {r['generatedTokensPerQuery']} p50 {r['latencyMs']['p50']}"
            f" vsLex {v['meanDiff']:+.3f} [{v['low']:+.3f},{v['high']:+.3f}]"
        )
