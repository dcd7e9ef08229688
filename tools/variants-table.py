import json,sys
for path in sys.argv[1:]:
    print('==', path)
    for r in json.load(open(path)):
        m=r['metrics']; v=r['mrr5VsLexical']
        print(f"{r['variant']:32s} H1 {m['H@1']:.3f} H5 {m['H@5']:.3f} MRR5 {m['MRR@5']:.3f} nDCG {m['nDCG@10']:.3f} fp {r['forwardPassesPerQuery']} tok {r['generatedTokensPerQuery']} p50 {r['latencyMs']['p50']} vsLex {v['meanDiff']:+.3f} [{v['low']:+.3f},{v['high']:+.3f}]")
