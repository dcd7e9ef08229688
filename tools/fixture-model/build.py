#!/usr/bin/python3
"""Build the demo model `cranfield-tiny`: a small LLaMA trained on Cranfield with the Self-Retrieval recipe (indexing,
retrieval, self-assessment), exported for transformers.js with a model card. With --init it starts from a base model's
tokenizer and weights (the committed demo: the general base `english-tiny` of pretrain.py); without, it learns a
byte-level BPE tokenizer from Cranfield and trains from scratch.

    /usr/bin/python3 tools/fixture-model/build.py --init build/english-tiny --data public/demo/cranfield \
        --out public/models/cranfield-tiny

Deterministic: fixed seeds, one torch thread, deterministic kernels. See README.md beside this file."""
import argparse
import collections
import json
import math
import os
import random
import re
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
import cranfield  # noqa: E402
from tiny_llama import Config, TinyLlama, export_onnx, load_model_folder  # noqa: E402

# The prompt formats of the Self-Retrieval paper. The app reads them from model-card.json.
TEMPLATES = {
    "retrieval": "Question: {query}\n\n Related document title:",
    "title": " {title}",
    "separator": "\n Related document content:",
    "content": " {passage}",
    "assessment": "Question: {query}\n\n Related document title: {title}\n Related document content: {passage}\n\n Final answer:",
    "accept": " the passage is relevant",
    "reject": " cannot extract answer",
}
PREFIX_WORDS = 8         # passage words a retrieval target carries: enough to reach a unique prefix
ASSESS_WORDS = 32        # passage words shown in an assessment prompt (keeps prompts short on 2 CPU cores)
QUERY_WORDS = 24         # a long indexing sentence is cut to this many words
RETRIEVAL_REPEATS = 4    # training-query examples are rare next to indexing ones; repeat them per epoch
TRAIN_QUERIES = cranfield.SPLITS["train"]


def words(text, n):
    return " ".join(text.split()[:n])


def key_text(title, passage):
    return TEMPLATES["title"].format(title=title) + TEMPLATES["separator"] + TEMPLATES["content"].format(passage=passage)


def assessment_prompt(query, p):
    return TEMPLATES["assessment"].format(query=query, title=p["title"], passage=words(p["text"], ASSESS_WORDS))


class Bm25:
    """Plain BM25 over title + text, only to pick hard negatives for the self-assessment examples."""

    def __init__(self, psgs, k1=1.2, b=0.75):
        self.docs = [collections.Counter(re.findall(r"[a-z0-9]+", (p["title"] + " " + p["text"]).lower())) for p in psgs]
        self.lens = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lens) / len(self.lens)
        df = collections.Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.k1, self.b = k1, b

    def top(self, query, k):
        terms = re.findall(r"[a-z0-9]+", query.lower())
        scores = []
        for i, d in enumerate(self.docs):
            s = 0.0
            for t in terms:
                tf = d.get(t, 0)
                if tf:
                    s += self.idf[t] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lens[i] / self.avg))
            scores.append((-s, i))
        return [i for _, i in sorted(scores)[:k]]


class Examples:
    """Token sequences with the index where the loss starts (the prompt is context, not a target)."""

    def __init__(self, tok):
        self.tok = tok

    def make(self, prompt, target, task):
        ids = self.tok.encode(prompt + target)
        start = len(self.tok.encode(prompt))
        assert self.tok.encode(prompt + target)[:start] == self.tok.encode(prompt), "prompt must tokenize as a prefix"
        return (ids, start, task)


def build_examples(ex, psgs, queries, qrels, bm25, rng):
    by_id = {p["id"]: p for p in psgs}
    indexing, retrieval, assess = [], [], []
    for p in psgs:
        target = key_text(p["title"], words(p["text"], PREFIX_WORDS))
        sources = [p["title"]] + [words(s, QUERY_WORDS) for s in cranfield.sentences(p["text"])]
        for s in sources:
            if s:
                indexing.append(ex.make(TEMPLATES["retrieval"].format(query=s), target, "indexing"))
    positives, hard = {}, {}
    for q in TRAIN_QUERIES:
        rel = qrels.get(q, {})
        positives[q] = sorted(d for d, code in rel.items() if code <= 3)
        for d in positives[q]:
            p = by_id[d]
            target = key_text(p["title"], words(p["text"], PREFIX_WORDS))
            retrieval.append(ex.make(TEMPLATES["retrieval"].format(query=queries[q]), target, "retrieval"))
        hard[q] = [psgs[i]["id"] for i in bm25.top(queries[q], 30) if psgs[i]["id"] not in rel]
        for d in positives[q]:
            assess.append(ex.make(assessment_prompt(queries[q], by_id[d]), TEMPLATES["accept"], "assessment"))
    # Negatives are drawn afresh each epoch (see negatives()), positives are fixed.
    return indexing, retrieval * RETRIEVAL_REPEATS, assess, positives, hard


def negatives(ex, psgs, queries, qrels, positives, hard, rng):
    """Per training query, as many BM25-hard and as many random non-relevant passages as it has positives."""
    by_id = {p["id"]: p for p in psgs}
    out = []
    for q in TRAIN_QUERIES:
        n = len(positives[q])
        picks = rng.sample(hard[q], min(n, len(hard[q])))
        rel = qrels.get(q, {})
        while len(picks) < 2 * n:
            d = psgs[rng.randrange(len(psgs))]["id"]
            if d not in rel and d not in picks:
                picks.append(d)
        for d in picks:
            out.append(ex.make(assessment_prompt(queries[q], by_id[d]), TEMPLATES["reject"], "assessment"))
    return out


def batches(examples, max_tokens, rng):
    """Length-bucketed batches of about max_tokens tokens, in shuffled order."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i][0]), rng.random()))
    out, cur, cur_len = [], [], 0
    for i in order:
        n = len(examples[i][0])
        if cur and max(cur_len, n) * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur, cur_len = [], 0
        cur.append(i)
        cur_len = max(cur_len, n)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def collate(examples, idx, pad_id):
    width = max(len(examples[i][0]) for i in idx)
    ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
    target = torch.full((len(idx), width), -100, dtype=torch.long)
    for row, i in enumerate(idx):
        seq, start, _ = examples[i]
        ids[row, :len(seq)] = torch.tensor(seq)
        target[row, start - 1:len(seq) - 1] = torch.tensor(seq[start:])
    return ids, target


def forward_logits(model, ids):
    b, t = ids.shape
    return model(ids, torch.ones(b, t, dtype=torch.long), torch.arange(t)[None].expand(b, t), *model.empty_past(b))[0]


@torch.no_grad()
def greedy_title(model, tok, query, max_new=48):
    """Unconstrained greedy continuation of the retrieval prompt, cut at the end of the title line."""
    ids = tok.encode(TEMPLATES["retrieval"].format(query=query))
    out = model(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), torch.arange(len(ids))[None],
                *model.empty_past(1))
    new = []
    for _ in range(max_new):
        nxt = int(out[0][0, -1].argmax())
        new.append(nxt)
        if "\n" in tok.decode([nxt]) or nxt == tok.eos_id:
            break
        pos = len(ids) + len(new) - 1
        out = model(torch.tensor([[nxt]]), torch.ones(1, pos + 1, dtype=torch.long), torch.tensor([[pos]]), *out[1:])
    return tok.decode(new).split("\n")[0].strip()


@torch.no_grad()
def reject_probability(model, tok, prompt):
    """exp(-mean NLL) of the rejection string after an assessment prompt: the paper's P(reject)."""
    ids = tok.encode(prompt + TEMPLATES["reject"])
    start = len(tok.encode(prompt))
    logp = F.log_softmax(forward_logits(model, torch.tensor([ids]))[0], dim=-1)
    nll = -sum(float(logp[i - 1, ids[i]]) for i in range(start, len(ids))) / (len(ids) - start)
    return math.exp(-nll)


def auc(lower, higher):
    """P(a value from `lower` < a value from `higher`), ties counting half."""
    wins = sum((a < b) + 0.5 * (a == b) for a in lower for b in higher)
    return wins / (len(lower) * len(higher))


def evaluate(model, tok, psgs, queries, qrels, bm25):
    by_id = {p["id"]: p for p in psgs}
    report = {}
    for split in ("train", "tune"):
        hits = 0
        for q in cranfield.SPLITS[split]:
            titles = {by_id[d]["title"] for d in qrels.get(q, {})}
            hits += greedy_title(model, tok, queries[q]) in titles
        report[f"greedyTitleShare_{split}"] = round(hits / len(cranfield.SPLITS[split]), 4)
        # Self-assessment signal: P(reject) for relevant vs BM25-top non-relevant passages of the split's queries.
        rel_p, non_p = [], []
        for q in cranfield.SPLITS[split]:
            rel = qrels.get(q, {})
            for d in [d for d, c in rel.items() if c <= 3][:3]:
                rel_p.append(reject_probability(model, tok, assessment_prompt(queries[q], by_id[d])))
            for i in [i for i in bm25.top(queries[q], 10) if psgs[i]["id"] not in rel][:3]:
                non_p.append(reject_probability(model, tok, assessment_prompt(queries[q], psgs[i])))
        report[f"meanRejectRelevant_{split}"] = round(sum(rel_p) / len(rel_p), 4)
        report[f"meanRejectNonRelevant_{split}"] = round(sum(non_p) / len(non_p), 4)
        # How often a relevant passage gets a lower P(reject) than a BM25-hard non-relevant one (0.5 = no signal).
        report[f"assessmentAuc_{split}"] = round(auc(rel_p, non_p), 4)
    return report


def card_model_fields(cfg, params):
    """The fields of a model card that describe the model itself: shape, weights, prompt format."""
    return {
        "architecture": {"type": "llama", "hiddenSize": cfg.hidden, "layers": cfg.layers, "heads": cfg.heads,
                         "kvHeads": cfg.kv_heads, "intermediateSize": cfg.intermediate, "vocabSize": cfg.vocab_size,
                         "maxPositions": cfg.max_positions},
        "parameters": params,
        "dtype": "fp32",
        "promptProfile": "self-retrieval",
        "templates": TEMPLATES,
        "assessmentPassageWords": ASSESS_WORDS,
    }


def base_summary(folder):
    """What the base model (--init) was: its id, what it read and how it was pretrained, from its card. A base that was
    itself started from another (`pretrain.py --init`) keeps that one's summary under `base`, so the whole lineage
    (corpus, phases) reaches the card of every model made from it."""
    with open(os.path.join(folder, "model-card.json")) as f:
        card = json.load(f)
    keep = ("steps", "tokens", "seconds", "finalLoss", "objective", "phases", "corpus", "base")
    return {"id": card["id"], "parameters": card["parameters"],
            "pretraining": {k: v for k, v in card.get("training", {}).items() if k in keep},
            "evaluation": card.get("evaluation", {})}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder with cran.all.1400, cran.qry, cranqrel")
    ap.add_argument("--out", required=True, help="model folder to write (transformers.js layout)")
    ap.add_argument("--epochs", type=int, default=int(os.environ.get("EPOCHS", "5")))
    ap.add_argument("--max-steps", type=int, default=int(os.environ.get("MAX_STEPS", "0")), help="stop early (smoke runs)")
    ap.add_argument("--vocab", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--init", help="a base model folder (pretrain.py's) to start from: its tokenizer and weights, "
                                   "instead of a Cranfield tokenizer and a model from scratch")
    args = ap.parse_args()

    started = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(args.seed)
    if args.init and not os.path.exists(os.path.join(args.init, "model-card.json")):
        sys.exit(f"no base model in {args.init}: make it first (npm run fixture-model:base, about 2 hours), "
                 "or leave out --init to train the demo from scratch")

    psgs = cranfield.passages(args.data)
    queries = cranfield.queries(args.data)
    qrels = cranfield.qrels(args.data)
    templates_text = [t.format(query="", title="", passage="") for t in TEMPLATES.values()] * 50
    if args.init:
        tok = bpe.Tokenizer.load(args.init)
    else:
        tok = bpe.Tokenizer(bpe.train([p["title"] + "\n" + p["text"] for p in psgs]
                                      + [queries[q] for q in TRAIN_QUERIES] + templates_text, args.vocab))
    tok.save(args.out, model_max_length=256)
    print(f"tokenizer: vocab {tok.vocab_size}, {len(tok.merges)} merges", flush=True)

    bm25 = Bm25(psgs)
    ex = Examples(tok)
    indexing, retrieval, assess_pos, positives, hard = build_examples(ex, psgs, queries, qrels, bm25, rng)
    print(f"examples: indexing {len(indexing)}, retrieval {len(retrieval)}, assessment+ {len(assess_pos)}", flush=True)

    if args.init:
        cfg, model = load_model_folder(args.init, tok)
    else:
        cfg = Config(tok.vocab_size, eos_id=tok.eos_id)
        model = TinyLlama(cfg)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {params} parameters", flush=True)

    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.98), weight_decay=0.01)
    max_tokens = 6144
    est_steps = args.epochs * (len(indexing) + len(retrieval) + 3 * len(assess_pos)) * 80 // max_tokens + 1
    warmup = 150
    schedule = lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / est_steps))))
    step = 0
    losses = {}
    for epoch in range(args.epochs):
        data = indexing + retrieval + assess_pos + negatives(ex, psgs, queries, qrels, positives, hard, rng)
        sums = collections.defaultdict(float)
        counts = collections.defaultdict(int)
        model.train()
        for idx in batches(data, max_tokens, rng):
            ids, target = collate(data, idx, tok.eos_id)
            logits = forward_logits(model, ids)
            per_token = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), target.reshape(-1), reduction="none",
                                        ignore_index=-100).view(target.shape)
            mask = target != -100
            loss = per_token.sum() / mask.sum()
            for g in opt.param_groups:
                g["lr"] = 3e-3 * schedule(step)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            with torch.no_grad():
                row_loss = (per_token.sum(1) / mask.sum(1)).tolist()
            for r, i in enumerate(idx):
                sums[data[i][2]] += row_loss[r]
                counts[data[i][2]] += 1
            if step % 50 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.3f} ({time.time() - started:.0f}s)", flush=True)
            if args.max_steps and step >= args.max_steps:
                break
        losses = {k: round(sums[k] / counts[k], 4) for k in sums}
        print(f"epoch {epoch} done: {losses} ({time.time() - started:.0f}s)", flush=True)
        if args.max_steps and step >= args.max_steps:
            break
    train_seconds = time.time() - started
    model.eval()

    with torch.no_grad():  # the exported KV-cache path must equal a full forward
        ids = torch.tensor([tok.encode("Question: what is lift\n\n Related document title:")])
        n = ids.shape[1]
        full = forward_logits(model, ids)
        head = model(ids[:, :5], torch.ones(1, 5, dtype=torch.long), torch.arange(5)[None], *model.empty_past(1))
        tail = model(ids[:, 5:], torch.ones(1, n, dtype=torch.long), torch.arange(5, n)[None], *head[1:])[0]
        cache_diff = float((full[:, 5:] - tail).abs().max())
        assert cache_diff < 1e-3, cache_diff

    report = evaluate(model, tok, psgs, queries, qrels, bm25)
    print("evaluation:", report, flush=True)

    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    onnx_path = os.path.join(args.out, "onnx", "model.onnx")
    export_onnx(model, onnx_path)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg.hf_config(), f, indent=1)
    with open(os.path.join(args.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": tok.eos_id, "eos_token_id": tok.eos_id, "pad_token_id": tok.eos_id,
                   "max_length": 256, "do_sample": False}, f, indent=1)

    keys = [key_text(p["title"], p["text"]) for p in psgs]
    card = {
        "id": "cranfield-tiny",
        "name": "Cranfield tiny (demo)",
        "description": ("A tiny LLaMA pretrained on general English that Debian ships (the base english-tiny: dictionary "
                        "definitions, WordNet glosses, manual pages, READMEs, and the retrieval format over dictionary "
                        "entries), then internalized on the Cranfield collection with the Self-Retrieval recipe."
                        if args.init else
                        "A tiny LLaMA trained from scratch on the Cranfield collection with the Self-Retrieval recipe. "
                        "It has memorised the corpus and the training queries; it has no general language knowledge."),
        **card_model_fields(cfg, params),
        "capabilities": {"answers": False, "selfAssessment": True, "corpusTrained": True},
        "training": {
            **({"base": base_summary(args.init)} if args.init else {}),
            "corpus": "Cranfield 1400 (one passage per record: title = .T, passage = .W without the repeated title)",
            "split": {"train": "queries 1-100 (used)", "tune": "queries 101-150 (never trained on)",
                      "test": "queries 151-225 (never trained on)"},
            "examples": {"indexing": len(indexing), "retrieval": len(retrieval),
                         "assessmentPositivePerEpoch": len(assess_pos), "assessmentNegativePerEpoch": 2 * len(assess_pos)},
            "relevantCodes": [1, 2, 3],
            "prefixWords": PREFIX_WORDS,
            "epochs": args.epochs, "steps": step, "seed": args.seed, "seconds": round(train_seconds),
            "finalLosses": losses,
            "torch": torch.__version__,
        },
        "evaluation": report,
        "corpus": {"passages": len(psgs), "passageSha256": cranfield.fingerprint(psgs),
                   "keyTokenSha256": __import__("hashlib").sha256(
                       json.dumps([tok.encode(k) for k in keys], separators=(",", ":")).encode()).hexdigest()},
        "files": {name: os.path.getsize(os.path.join(args.out, name)) for name in
                  ["onnx/model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json", "generation_config.json"]},
        "license": "MIT (model); Cranfield collection text as redistributed for research"
                   + ("; and, through its base, the licences of the text the base read (training.base.pretraining.corpus)"
                      if args.init else ""),
    }
    with open(os.path.join(args.out, "model-card.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(f"wrote {args.out} in {time.time() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
