#!/usr/bin/python3
"""Pretrain the general base model `english-tiny` in two phases, so that a model internalized from it on a library
knows some English beyond the library and already speaks the retrieval format:

  1. language: a byte-level BPE vocabulary learned from general English and a small LLaMA trained to continue that
     text (next-token prediction);
  2. format: the Self-Retrieval recipe the app internalizes a library with (src/core/internalize-recipe.ts), made
     from the dictionary entries themselves (headword = title, definition = passage, its sentences and rarest words
     = pseudo-queries, other entries = negatives), mixed with language rows so the English is kept.

The text is what Debian ships (gather_english.py: dictionary definitions, WordNet glosses, manual pages, READMEs);
the card records exactly which.

    /usr/bin/python3 tools/fixture-model/gather_english.py --out /tmp/english
    /usr/bin/python3 tools/fixture-model/pretrain.py --corpus /tmp/english --out public/models/english-tiny

Deterministic for a thread count (fixed seeds, documents in a seeded order). `--steps` and `--format-steps` set the
budget of each phase; `--init` starts from a model this script wrote (phase 1 again only with `--steps`);
`--hidden`, `--layers` make a larger model (the same script on a GPU machine)."""
import argparse
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
from build import ASSESS_WORDS, PREFIX_WORDS, QUERY_WORDS, TEMPLATES, base_summary, card_model_fields  # noqa: E402
from tiny_llama import Config, TinyLlama, export_onnx, load_model_folder  # noqa: E402

TOKENIZER_SAMPLE_BYTES = 6_000_000  # text the BPE merges are learned from (every document's words are counted)
HELD_OUT = 200                      # documents kept out of training for the held-out loss
FORMAT_SHARE = 0.75                 # of a format-phase batch's tokens; the rest are language rows
SENTENCES, KEYWORDS = 6, 4          # pseudo-queries per entry, as the app's recipe (DEFAULT_RECIPE) makes them
TITLED = re.compile(r"^([A-Za-z][A-Za-z' -]{0,39}): (.+)$")
WORD = re.compile(r"[^\W_]{3,}")


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


def titled_entries(docs):
    """Dictionary entries ('Headword: definition') as (title, passage) pairs: the library the format is learned on."""
    out = []
    for d in docs:
        m = TITLED.match(d)
        if m and len(m.group(2).split()) >= 6:
            out.append((m.group(1), m.group(2)))
    return out


def first_words(text, n):
    return " ".join(text.split()[:n])


def sentence_queries(text):
    """The app's sentenceQueries: sentences of three words or more, cut to QUERY_WORDS words, the first SENTENCES."""
    out = []
    for s in re.split(r"(?<=[.?!])\s+", text):
        w = s.split()
        if len(w) >= 3:
            out.append(" ".join(w[:QUERY_WORDS]))
    return out[:SENTENCES]


class FormatExamples:
    """The app's internalization recipe over the dictionary entries: per entry, indexing (title → key), retrieval
    (each pseudo-query → key) and self-assessment (a pseudo-query with its own entry → accept, with another → reject;
    half the negatives share the entry's rarest word). Prompt and target are tokenized apart, as the app does."""

    def __init__(self, tok, entries, rng):
        self.tok, self.entries, self.rng = tok, entries, rng
        self.words = [list(dict.fromkeys(WORD.findall((t + " " + p).lower()))) for t, p in entries]
        df = {}
        for ws in self.words:
            for w in ws:
                df[w] = df.get(w, 0) + 1
        self.by_rarity = [sorted(ws, key=lambda w: (df[w], w)) for ws in self.words]
        rarest = {ws[0] for ws in self.by_rarity if ws}
        self.holders = {}
        for i, ws in enumerate(self.words):
            for w in ws:
                if w in rarest:
                    self.holders.setdefault(w, []).append(i)

    def example(self, prompt, target):
        p, t = self.tok.encode(prompt), self.tok.encode(target)
        return (p + t, len(p))

    def of_entry(self, i):
        title, passage = self.entries[i]
        key = TEMPLATES["title"].format(title=title) + TEMPLATES["separator"] + \
            TEMPLATES["content"].format(passage=first_words(passage, PREFIX_WORDS))
        chosen = set(self.by_rarity[i][:KEYWORDS])
        keywords = " ".join(w for w in self.words[i] if w in chosen)
        queries = sentence_queries(passage) + ([keywords] if keywords else [])
        out = [self.example(TEMPLATES["retrieval"].format(query=q), key) for q in [title] + queries]
        if queries:
            q = queries[self.rng.randrange(len(queries))]
            share = self.holders.get(self.by_rarity[i][0], []) if self.by_rarity[i] else []
            share = [j for j in share if j != i]
            j = share[self.rng.randrange(len(share))] if share and self.rng.random() < 0.5 else self.rng.randrange(len(self.entries))
            for other, verdict in ((i, "accept"), (j, "reject")):
                t, p = self.entries[other]
                prompt = TEMPLATES["assessment"].format(query=q, title=t, passage=first_words(p, ASSESS_WORDS))
                out.append(self.example(prompt, TEMPLATES[verdict]))
        return out


def format_batches(fmt, lm_stream, batch_tokens, rng):
    """Batches of about batch_tokens: FORMAT_SHARE of them format examples of entries in a seeded order (similar
    lengths together), the rest language rows as wide. Yields (ids, targets), targets -100 where there is no loss."""
    order = list(range(len(fmt.entries)))
    rng.shuffle(order)
    pending = []
    budget = int(batch_tokens * FORMAT_SHARE)
    for i in order:
        pending += fmt.of_entry(i)
        if len(pending) < 2048:
            continue
        pending.sort(key=lambda e: len(e[0]))
        groups, cur = [], []
        for e in pending:
            if cur and len(e[0]) * (len(cur) + 1) > budget:
                groups.append(cur)
                cur = []
            cur.append(e)
        pending = cur
        rng.shuffle(groups)
        for g in groups:
            # Language rows as wide as the group's longest example (no padding), as many as fill the rest.
            w = max(len(e[0]) for e in g)
            lm_rows = max(1, (batch_tokens - budget) // w)
            ids = torch.full((len(g) + lm_rows, w + 1), fmt.tok.eos_id, dtype=torch.long)
            target = torch.full((len(g) + lm_rows, w + 1), -100, dtype=torch.long)
            for r, (seq, start) in enumerate(g):
                ids[r, :len(seq)] = torch.tensor(seq)
                target[r, start - 1:len(seq) - 1] = torch.tensor(seq[start:])
            for r in range(len(g), len(g) + lm_rows):
                row = [next(lm_stream) for _ in range(w + 1)]
                ids[r] = torch.tensor(row)
                target[r, :w] = torch.tensor(row[1:])
            yield ids[:, :-1], target[:, :-1]


def loss_of(model, block):
    ids, target = block[:, :-1], block[:, 1:]
    b, t = ids.shape
    logits = model(ids, torch.ones(b, t, dtype=torch.long), torch.arange(t)[None].expand(b, t), *model.empty_past(b))[0]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


def masked_loss(model, ids, target):
    b, t = ids.shape
    logits = model(ids, torch.ones(b, t, dtype=torch.long), torch.arange(t)[None].expand(b, t), *model.empty_past(b))[0]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100)


def train(model, opt, lr, steps, data, label, started):
    """AdamW with warm-up and cosine decay to a tenth over `steps` (ids, targets) batches; the last 50 losses' mean."""
    warmup = max(1, min(200, steps // 10))
    schedule = lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    step, tokens, recent = 0, 0, []
    model.train()
    for ids, target in data:
        if step >= steps:
            break
        loss = masked_loss(model, ids, target)
        for g in opt.param_groups:
            g["lr"] = lr * schedule(step)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += int((target != -100).sum())
        recent = (recent + [loss.item()])[-50:]
        if step % 50 == 0:
            print(f"{label} step {step} loss {sum(recent) / len(recent):.3f} ({time.time() - started:.0f}s)", flush=True)
    return {"steps": step, "targetTokens": tokens, "learningRate": lr,
            "finalLoss": round(sum(recent) / max(1, len(recent)), 4)}


@torch.no_grad()
def format_check(model, fmt, entries):
    """Held-out entries: how often the greedy title after a sentence of the definition is the headword, and how often
    the own entry gets a lower P(reject) than another entry (0.5 = no signal)."""
    model.eval()
    tok = fmt.tok
    titles, wins = 0, 0
    for title, passage in entries:
        q = (sentence_queries(passage) or [passage])[0]
        ids = tok.encode(TEMPLATES["retrieval"].format(query=q))
        new = []
        for _ in range(12):
            logits = model(torch.tensor([ids + new]), torch.ones(1, len(ids) + len(new), dtype=torch.long),
                           torch.arange(len(ids) + len(new))[None], *model.empty_past(1))[0]
            nxt = int(logits[0, -1].argmax())
            if "\n" in tok.decode([nxt]) or nxt == tok.eos_id:
                break
            new.append(nxt)
        titles += tok.decode(new).strip().lower() == title.lower()
    rng = random.Random(7)
    for k, (title, passage) in enumerate(entries):
        q = (sentence_queries(passage) or [passage])[0]
        other = entries[(k + 1 + rng.randrange(len(entries) - 1)) % len(entries)]
        p = []
        for t, text in ((title, passage), other):
            prompt = tok.encode(TEMPLATES["assessment"].format(query=q, title=t, passage=first_words(text, ASSESS_WORDS)))
            reject = tok.encode(TEMPLATES["reject"])
            seq = torch.tensor([prompt + reject])
            logits = model(seq, torch.ones(seq.shape, dtype=torch.long), torch.arange(seq.shape[1])[None], *model.empty_past(1))[0]
            logp = F.log_softmax(logits[0], dim=-1)
            p.append(sum(float(logp[len(prompt) + i - 1, r]) for i, r in enumerate(reject)))
        wins += p[0] < p[1]
    return {"heldOutEntries": len(entries), "greedyTitleShare": round(titles / len(entries), 4),
            "assessmentWinRate": round(wins / len(entries), 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="folder written by gather_english.py (corpus.txt, sources.json)")
    ap.add_argument("--out", required=True, help="model folder to write (transformers.js layout)")
    ap.add_argument("--init", help="a model folder this script wrote: start from its tokenizer and weights")
    ap.add_argument("--id", default="english-tiny")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=352)
    ap.add_argument("--width", type=int, default=128, help="tokens per language row")
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--steps", type=int, default=None,
                    help="language phase (default 1200, or $STEPS; 0 with --init unless given)")
    ap.add_argument("--format-steps", type=int, default=int(os.environ.get("FORMAT_STEPS", "500")))
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--format-lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    if args.steps is None:
        args.steps = 0 if args.init else int(os.environ.get("STEPS", "1200"))

    started = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    docs = read_documents(args.corpus, args.seed)
    held_out, docs = docs[:HELD_OUT], docs[HELD_OUT:]
    size = 0
    if args.init:
        tok = bpe.Tokenizer.load(args.init)
    else:
        sample = []
        for d in docs:
            if size >= TOKENIZER_SAMPLE_BYTES:
                break
            sample.append(d)
            size += len(d.encode())
        templates_text = [t.format(query="", title="", passage="") for t in TEMPLATES.values()] * 50
        tok = bpe.Tokenizer(bpe.train(sample + templates_text, args.vocab))
    tok.save(args.out, model_max_length=256)
    print(f"tokenizer: vocab {tok.vocab_size}, {len(tok.merges)} merges" + (f", from {size / 1e6:.1f} MB" if size else ""), flush=True)

    if args.init:
        cfg, model = load_model_folder(args.init, tok)
    else:
        cfg = Config(tok.vocab_size, hidden=args.hidden, layers=args.layers, heads=args.heads,
                     kv_heads=args.kv_heads, intermediate=args.intermediate, eos_id=tok.eos_id)
        model = TinyLlama(cfg)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {params} parameters", flush=True)
    rows = max(1, args.batch_tokens // args.width)
    language = lambda: ((b[:, :-1], b[:, 1:]) for b in batches(token_stream(tok, docs), rows, args.width))
    phases = {}
    if args.steps:
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
        phases["language"] = {"objective": "next-token prediction on documents separated by the end-of-text token",
                              "rowTokens": args.width, "batchTokens": rows * args.width,
                              **train(model, opt, args.lr, args.steps, language(), "language", started)}
    entries = titled_entries(docs)
    held_entries = titled_entries(held_out)
    fmt = FormatExamples(tok, entries, random.Random(args.seed + 1))
    if args.format_steps:
        # The language rows of this phase start at another point of the stream than phase 1's.
        lm = token_stream(tok, docs[len(docs) // 2:] + docs[:len(docs) // 2])
        opt = torch.optim.AdamW(model.parameters(), lr=args.format_lr, betas=(0.9, 0.98), weight_decay=0.01)
        data = format_batches(fmt, lm, args.batch_tokens, random.Random(args.seed + 2))
        phases["format"] = {"objective": "the Self-Retrieval internalization recipe on dictionary entries "
                                         "(headword = title, definition = passage), with language rows",
                            "entries": len(entries), "formatShareOfBatch": FORMAT_SHARE,
                            **train(model, opt, args.format_lr, args.format_steps, data, "format", started)}
    train_seconds = time.time() - started
    model.eval()
    with torch.no_grad():
        held = list(batches(token_stream(tok, held_out), 1, args.width))[:64]
        held_loss = sum(loss_of(model, b).item() for b in held) / max(1, len(held))
    print(f"held-out loss {held_loss:.3f} (perplexity {math.exp(held_loss):.1f})", flush=True)
    check = format_check(model, fmt, held_entries)
    print(f"held-out format check: {check}", flush=True)

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
                       "glosses, manual pages, READMEs) and on the retrieval format over dictionary entries. It knows "
                       "no library: internalize it on one (the app's Internalize, or `self-retrieval internalize`) to "
                       "search with it.",
        **card_model_fields(cfg, params),
        "capabilities": {"answers": False, "selfAssessment": bool(args.format_steps), "corpusTrained": False},
        "training": {
            **({"base": base_summary(args.init)} if args.init else {"tokenizerSampleBytes": size}),
            "corpus": sources,
            "phases": phases,
            "seed": args.seed, "threads": args.threads, "seconds": round(train_seconds),
            "torch": torch.__version__,
        },
        "evaluation": {"heldOutDocuments": HELD_OUT, "heldOutLoss": round(held_loss, 4),
                       "heldOutPerplexity": round(math.exp(held_loss), 2), "format": check},
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
