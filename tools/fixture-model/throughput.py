#!/usr/bin/python3
"""Training throughput of PyTorch on this machine, as the baseline of `npm run bench -- --only=internalize`: the
model of a model folder (config.json), AdamW steps on batches of the given token budget, one torch thread as the
fixture build trains. Prints one JSON line: {"tokensPerSecond": …, "steps": …, "batchTokens": …, "torch": …}.

    /usr/bin/python3 tools/fixture-model/throughput.py --model public/models/cranfield-tiny --batch-tokens 2048"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_llama import Config, TinyLlama  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="model folder (its config.json gives the shape)")
    ap.add_argument("--batch-tokens", type=int, default=2048, help="tokens per batch, padding included")
    ap.add_argument("--width", type=int, default=64, help="sequence length of every row")
    ap.add_argument("--steps", type=int, default=12)
    args = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(1)
    with open(os.path.join(args.model, "config.json")) as f:
        hf = json.load(f)
    cfg = Config(hf["vocab_size"], hidden=hf["hidden_size"], layers=hf["num_hidden_layers"],
                 heads=hf["num_attention_heads"], kv_heads=hf["num_key_value_heads"],
                 intermediate=hf["intermediate_size"], max_positions=hf["max_position_embeddings"])
    model = TinyLlama(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.98), weight_decay=0.01)
    rows = max(1, args.batch_tokens // args.width)
    ids = torch.randint(0, cfg.vocab_size, (rows, args.width))
    # As the recipe: the last third of each row is target, the rest prompt.
    target = torch.full((rows, args.width), -100, dtype=torch.long)
    start = args.width * 2 // 3
    target[:, start - 1:-1] = ids[:, start:]

    def step():
        b, t = ids.shape
        logits = model(ids, torch.ones(b, t, dtype=torch.long), torch.arange(t)[None].expand(b, t),
                       *model.empty_past(b))[0]
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), target.reshape(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    step()  # warm-up, not timed
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - started
    print(json.dumps({"tokensPerSecond": round(rows * args.width * args.steps / seconds, 1), "steps": args.steps,
                      "batchTokens": rows * args.width, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
