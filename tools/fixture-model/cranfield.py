"""Cranfield reader: records -> passages, queries and judgements, exactly as the project's TypeScript loader
(src/ingest/cranfield.ts) produces them. The model card stores a fingerprint of the passages so the Node tests
prove both sides agree."""
import hashlib
import os
import re

SPLITS = {"train": range(1, 101), "tune": range(101, 151), "test": range(151, 226)}


def normalize(text):
    """Collapse every run of whitespace to one space; Cranfield wraps its lines at ~70 columns."""
    return " ".join(text.split())


def read_fields(path):
    """Yield one {field: text} dict per `.I` record; `.I` holds the record id."""
    record, field = None, None
    with open(path, encoding="ascii") as f:
        for line in f:
            m = re.match(r"^\.([A-Z])(?:\s+(\S+))?\s*$", line)
            if m:
                if m.group(1) == "I":
                    if record is not None:
                        yield record
                    record, field = {"I": m.group(2), "T": "", "A": "", "B": "", "W": ""}, None
                else:
                    field = m.group(1)
                continue
            if record is not None and field is not None:
                record[field] += line
    if record is not None:
        yield record


def passages(data_dir):
    """One passage per record: title = .T, text = .W without the title it repeats."""
    out = []
    for rec in read_fields(os.path.join(data_dir, "cran.all.1400")):
        title = normalize(rec["T"])
        text = normalize(rec["W"])
        if title and text.startswith(title):
            text = text[len(title):].lstrip()
        out.append({"id": int(rec["I"]), "title": title, "text": text})
    return out


def queries(data_dir):
    """Queries by 1-based position (the number the judgements use), not by their `.I` id."""
    recs = list(read_fields(os.path.join(data_dir, "cran.qry")))
    return {pos: normalize(r["W"]) for pos, r in enumerate(recs, start=1)}


def qrels(data_dir):
    """{query position: {doc id: code}}; codes 1-4 are relevant, -1 lines are placeholders."""
    out = {}
    with open(os.path.join(data_dir, "cranqrel"), encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            q, d, code = int(parts[0]), int(parts[1]), int(parts[2])
            if 1 <= code <= 4:
                out.setdefault(q, {})[d] = code
    return out


def fingerprint(psgs):
    """sha256 over `id \\t title \\t text \\n` lines, the same bytes the TypeScript test hashes."""
    h = hashlib.sha256()
    for p in psgs:
        h.update(f"{p['id']}\t{p['title']}\t{p['text']}\n".encode("utf-8"))
    return h.hexdigest()


def sentences(text):
    """Cranfield writes ' .' before a sentence break; split there and keep the period."""
    parts = re.split(r"(?<= [.?!]) +", text)
    return [s for s in (p.strip() for p in parts) if len(s.split()) >= 3]
