"""Byte-level BPE (GPT-2 style): train merges on a corpus, encode text, write the Hugging Face tokenizer files
that transformers.js loads (tokenizer.json, tokenizer_config.json).

The pre-tokenizer regex is the GPT-2 one with \\p{L}/\\p{N} narrowed to ASCII (stdlib `re` lacks Unicode
classes). Cranfield is pure ASCII, so training and encoding here agree with transformers.js token for token;
the Node tests check that through the token fingerprint in model-card.json."""
import collections
import heapq
import json
import os
import re

PRETOKEN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
EOS = "<|endoftext|>"


def byte_alphabet():
    """GPT-2's reversible byte -> printable unicode character map."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


BYTE_CHAR = byte_alphabet()


def pretokens(text):
    return ["".join(BYTE_CHAR[b] for b in piece.encode("utf-8")) for piece in PRETOKEN.findall(text)]


def train(texts, vocab_size):
    """Learn merges until the vocabulary (256 bytes + merges + EOS) reaches vocab_size.
    Incremental pair counts with a lazy max-heap; ties break on the pair itself, so the result is deterministic."""
    word_counts = collections.Counter(w for t in texts for w in pretokens(t))
    words = [list(w) for w in word_counts]
    freq = list(word_counts.values())
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += freq[i]
            where[(a, b)].add(i)
    heap = [(-c, p) for p, c in pairs.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < vocab_size - 257 and heap:
        neg, pair = heapq.heappop(heap)
        if pairs.get(pair, 0) != -neg:
            continue  # stale heap entry
        if -neg < 2:
            break
        merges.append(pair)
        a, b = pair
        merged = a + b
        touched = collections.Counter()
        for i in list(where[pair]):
            w, f = words[i], freq[i]
            for x, y in zip(w, w[1:]):
                pairs[(x, y)] -= f
                touched[(x, y)] += 0
            out, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += f
                where[(x, y)].add(i)
                touched[(x, y)] += 0
        del pairs[pair]
        where.pop(pair, None)
        for p in touched:
            if p != pair and pairs.get(p, 0) > 0:
                heapq.heappush(heap, (-pairs[p], p))
    return merges


class Tokenizer:
    def __init__(self, merges):
        self.merges = merges
        self.rank = {p: i for i, p in enumerate(merges)}
        self.vocab = {BYTE_CHAR[b]: b for b in range(256)}
        for a, b in merges:
            self.vocab[a + b] = len(self.vocab)
        self.eos_id = len(self.vocab)
        self.vocab_size = self.eos_id + 1
        self.inverse = {i: s for s, i in self.vocab.items()}
        self.byte_of = {c: b for b, c in BYTE_CHAR.items()}
        self.cache = {}

    @classmethod
    def load(cls, folder):
        """The tokenizer a model folder's tokenizer.json holds (one this module wrote)."""
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
            merges = json.load(f)["model"]["merges"]
        return cls([tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges])

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best = min(range(len(parts) - 1), key=lambda k: self.rank.get((parts[k], parts[k + 1]), 1 << 30))
            if (parts[best], parts[best + 1]) not in self.rank:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        return [i for w in pretokens(text) for i in self._bpe(w)]

    def decode(self, ids):
        data = bytes(self.byte_of[c] for i in ids if i != self.eos_id for c in self.inverse[i])
        return data.decode("utf-8", errors="replace")

    def save(self, out_dir, model_max_length):
        os.makedirs(out_dir, exist_ok=True)
        tokenizer = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.eos_id, "content": EOS, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": {**self.vocab, EOS: self.eos_id}, "merges": [f"{a} {b}" for a, b in self.merges]},
        }
        with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tokenizer, f, ensure_ascii=False, separators=(",", ":"))
        config = {"tokenizer_class": "GPT2Tokenizer", "bos_token": EOS, "eos_token": EOS, "unk_token": EOS,
                  "pad_token": EOS, "add_bos_token": False, "add_prefix_space": False,
                  "clean_up_tokenization_spaces": False, "model_max_length": model_max_length}
        with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)
