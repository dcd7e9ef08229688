#!/usr/bin/python3
"""Pretrain the general base model `english-tiny`: a byte-level BPE vocabulary learned from general English and a
small LLaMA trained to continue that text (next-token prediction), so that a model internalized from it on a
library knows some English beyond the library. The text is what Debian ships (gather_english.py: dictionary
definitions, WordNet glosses, manual pages, READMEs); the card records exactly which.

    /usr/bin/python3 tools/fixture-model/gather_english.py --out /tmp/english
    /usr/bin/python3 tools/fixture-model/pretrain.py --corpus /tmp/english --out public/models/english-tiny

Deterministic (fixed seeds, one torch thread, documents in a seeded order). `--steps` sets the budget (1,500 steps
of 8,192 tokens, about 12M tokens, is about half an hour on this 2-core machine); `--hidden`, `--layers` a larger
model (the same script on a GPU machine). The model's prompt templates are the Self-Retrieval ones, so the app
internalizes it on a library with the same recipe as every other model."""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
from build import TEMPLATES, card_model_fields  # noqa: E402
from tiny_llama import Config, TinyLlama, export_onnx  # noqa: E402

TOKENIZER_SAMPLE_BYTES = 6_000_000  # text the BPE merges are learned from (every document's words are counted)
HELD_OUT = 200                      # documents kept out of training for the held-out loss


def read_documents(folder, seed):
    with open(os.path.join(folder, "corpus.txt"), encoding="utf-8") as f:
        docs = [d.strip() for d in f.read().split("\n\n") if d.strip()]
    random.Random(seed).shuffle(docs)
    return docs


def token_stream(tok, docs):
    """Documents tokenized one after another, each followed by the end-of-text token."""
    for d in docs:
        yield from tok.encode(d)
        yield tok.eos_id


def batches(stream, rows, width):
    """[rows, width + 1] blocks of the stream: inputs are [:, :-1], targets [:, 1:]."""
    need = rows * (width + 1)
    buf = []
    for t in stream:
        buf.append(t)
        if len(buf) == need:
            yield torch.tensor(buf, dtype=torch.long).view(rows, width + 1)
            buf = []


def loss_of(model, block):
    ids, target = block[:, :-1], block[:, 1:]
    b, t = ids.shape
    logits = model(ids, torch.ones(b, t, dtype=torch.long), torch.arange(t)[None].expand(b, t), *model.empty_past(b))[0]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="folder written by gather_english.py (corpus.txt, sources.json)")
    ap.add_argument("--out", required=True, help="model folder to write (transformers.js layout)")
    ap.add_argument("--id", default="english-tiny")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=352)
    ap.add_argument("--width", type=int, default=128, help="tokens per training row")
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--steps", type=int, default=int(os.environ.get("STEPS", "1200")))
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    started = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    docs = read_documents(args.corpus, args.seed)
    held_out, docs = docs[:HELD_OUT], docs[HELD_OUT:]
    sample, size = [], 0
    for d in docs:
        if size >= TOKENIZER_SAMPLE_BYTES:
            break
        sample.append(d)
        size += len(d.encode())
    templates_text = [t.format(query="", title="", passage="") for t in TEMPLATES.values()] * 50
    tok = bpe.Tokenizer(bpe.train(sample + templates_text, args.vocab))
    tok.save(args.out, model_max_length=256)
    print(f"tokenizer: vocab {tok.vocab_size}, {len(tok.merges)} merges, from {size / 1e6:.1f} MB", flush=True)

    cfg = Config(tok.vocab_size, hidden=args.hidden, layers=args.layers, heads=args.heads, kv_heads=args.kv_heads,
                 intermediate=args.intermediate, eos_id=tok.eos_id)
    model = TinyLlama(cfg)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {params} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = max(1, min(200, args.steps // 10))
    schedule = lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / args.steps))))
    rows = max(1, args.batch_tokens // args.width)
    step, tokens, recent = 0, 0, []
    model.train()
    for block in batches(token_stream(tok, docs), rows, args.width):
        loss = loss_of(model, block)
        for g in opt.param_groups:
            g["lr"] = args.lr * schedule(step)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += block.numel() - rows
        recent = (recent + [loss.item()])[-50:]
        if step % 50 == 0:
            print(f"step {step} loss {sum(recent) / len(recent):.3f} ({time.time() - started:.0f}s)", flush=True)
        if step >= args.steps:
            break
    train_seconds = time.time() - started
    model.eval()
    with torch.no_grad():
        held = list(batches(token_stream(tok, held_out), 1, args.width))[:64]
        held_loss = sum(loss_of(model, b).item() for b in held) / max(1, len(held))
    print(f"held-out loss {held_loss:.3f} (perplexity {math.exp(held_loss):.1f})", flush=True)

    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    export_onnx(model, os.path.join(args.out, "onnx", "model.onnx"))
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg.hf_config(), f, indent=1)
    with open(os.path.join(args.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": tok.eos_id, "eos_token_id": tok.eos_id, "pad_token_id": tok.eos_id,
                   "max_length": 256, "do_sample": False}, f, indent=1)
    with open(os.path.join(args.corpus, "sources.json")) as f:
        sources = json.load(f)
    card = {
        "id": args.id,
        "name": "English tiny (base)",
        "description": "A tiny LLaMA pretrained on general English that Debian ships (dictionary definitions, WordNet "
                       "glosses, manual pages, READMEs). It knows no library: internalize it on one (the app's "
                       "Internalize, or `self-retrieval internalize`) to search with it.",
        **card_model_fields(cfg, params),
        "capabilities": {"answers": False, "selfAssessment": False, "corpusTrained": False},
        "training": {
            "objective": "next-token prediction on documents separated by the end-of-text token",
            "corpus": sources,
            "tokenizerSampleBytes": size,
            "steps": step, "tokens": tokens, "rowTokens": args.width, "batchTokens": rows * args.width,
            "learningRate": args.lr, "seed": args.seed, "threads": args.threads, "seconds": round(train_seconds),
            "finalLoss": round(sum(recent) / max(1, len(recent)), 4),
            "torch": torch.__version__,
        },
        "evaluation": {"heldOutDocuments": HELD_OUT, "heldOutLoss": round(held_loss, 4),
                       "heldOutPerplexity": round(math.exp(held_loss), 2)},
        "files": {name: os.path.getsize(os.path.join(args.out, name)) for name in
                  ["onnx/model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json", "generation_config.json"]},
        "license": "MIT (model code); trained on text under the GPL (GCIDE), the WordNet licence and the licences of "
                   "the Debian packages whose manual pages and READMEs it read (see training.corpus)",
    }
    with open(os.path.join(args.out, "model-card.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(f"wrote {args.out} in {time.time() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
