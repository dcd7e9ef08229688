#!/usr/bin/python3
"""Gather general English text that Debian ships, for pretraining the base model (pretrain.py): definitions from the
Collaborative International Dictionary of English (dict-gcide), WordNet's glosses and examples (dict-wn), manual
pages (sections 1, 5 and 8 of what is installed) and the READMEs under /usr/share/doc. Installs the two dictionary
packages with apt-get when they are missing (as root), cleans every source into plain prose, one document per
paragraph block, and writes:

    <out>/corpus.txt     documents separated by a blank line
    <out>/sources.json   per source: documents, bytes, sha256 of its text, and the Debian package version

    /usr/bin/python3 tools/fixture-model/gather_english.py --out /tmp/english

Deterministic for a given set of installed packages: sources are read in sorted order."""
import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys

DICTS = {"gcide": ("dict-gcide", "/usr/share/dictd/gcide.dict.dz"), "wordnet": ("dict-wn", "/usr/share/dictd/wn.dict.dz")}


def ensure_packages():
    missing = [pkg for pkg, path in DICTS.values() if not os.path.exists(path)]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing Debian packages: run  sudo apt-get install -y {' '.join(missing)}")
    subprocess.run(["apt-get", "install", "-y", *missing], check=True, stdout=subprocess.DEVNULL)


def package_version(pkg):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return out.stdout.strip() or None


def paragraphs(lines):
    """Wrapped lines → paragraphs (blank lines separate)."""
    out, cur = [], []
    for line in lines:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


def gcide(path):
    """Entries as 'Headword: definition text.' without pronunciations, etymologies or source tags."""
    text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
    docs = []
    for entry in re.split(r"\n\n(?=\S)", text):
        lines = entry.split("\n")
        head = lines[0]
        m = re.match(r"^([A-Za-z][A-Za-z' -]*?)\s*\\", head)
        if not m:
            continue
        word = m.group(1).strip()
        body = " ".join(l.strip() for l in lines[1:] if l.strip())
        body = re.sub(r"\[(1913 Webster|PJC|WordNet 1\.5|Webster 1913 Suppl\.|[^\]]{0,40}Webster[^\]]*)\]", "", body)
        body = re.sub(r"\[[^\]]*\]", "", body)              # etymologies and other bracketed notes
        body = re.sub(r"\\[^\\]*\\", "", body)              # pronunciations
        body = re.sub(r"--\s*[A-Z][\w.]*\.?", "", body)       # citation authors (--Bailey.)
        body = re.sub(r"[{}]", "", body)                     # cross-reference braces
        body = re.sub(r"\s+", " ", body).strip()
        if len(body.split()) >= 6:
            docs.append(f"{word}: {body}")
    return docs


def wordnet(path):
    """Synsets as 'word (pos): gloss; "example"', without the synonym lists."""
    text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
    docs = []
    for entry in re.split(r"\n(?=\S)", text):
        lines = entry.split("\n")
        word = lines[0].strip()
        if not word or word.startswith("00-database") or len(lines) < 2:
            continue
        body = " ".join(l.strip() for l in lines[1:])
        body = re.sub(r"\[(syn|ant|also|see also):[^\]]*\]", "", body)
        body = re.sub(r"[{}]", "", body)
        for part in re.split(r"\s(?=\d+: )|\s(?=(?:n|v|adj|adv) 1: )", body):
            part = re.sub(r"^(n|v|adj|adv)\s+", "", part.strip())
            part = re.sub(r"^\d+:\s*", "", part).strip()
            if len(part.split()) >= 5:
                docs.append(f"{word}: {part}")
    return docs


def manpages(limit):
    docs = []
    root = "/usr/share/man"
    paths = []
    for section in ("man1", "man5", "man8"):
        folder = os.path.join(root, section)
        if os.path.isdir(folder):
            paths += sorted(os.path.join(folder, n) for n in os.listdir(folder))
    env = {**os.environ, "MANWIDTH": "200", "LC_ALL": "C.UTF-8"}
    for path in paths[:limit]:
        try:
            out = subprocess.run(["man", "--no-hyphenation", "--no-justification", "-l", "-P", "cat", path],
                                 capture_output=True, text=True, env=env, timeout=20).stdout
        except subprocess.TimeoutExpired:
            continue
        out = re.sub(r".\x08", "", out)
        for para in paragraphs(out.split("\n")):
            if len(para.split()) >= 12 and not re.fullmatch(r"[A-Z0-9 ()._-]+", para):
                docs.append(para)
    return docs


def docs_readmes():
    docs = []
    for pkg in sorted(os.listdir("/usr/share/doc")):
        folder = os.path.join("/usr/share/doc", pkg)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not re.match(r"(?i)^readme(\.(md|txt|gz|md\.gz|txt\.gz|debian(\.gz)?))?$", name):
                continue
            path = os.path.join(folder, name)
            opener = gzip.open if name.endswith(".gz") else open
            try:
                with opener(path, "rt", encoding="utf-8", errors="replace") as f:
                    text = f.read(200_000)
            except OSError:
                continue
            for para in paragraphs(text.split("\n")):
                if len(para.split()) >= 12 and sum(c.isalpha() for c in para) > 0.6 * len(para):
                    docs.append(para)
    return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--man-pages", type=int, default=1500, help="at most this many manual pages (they are slow)")
    args = ap.parse_args()
    ensure_packages()
    os.makedirs(args.out, exist_ok=True)
    sources = {
        "gcide": (gcide(DICTS["gcide"][1]), "dict-gcide"),
        "wordnet": (wordnet(DICTS["wordnet"][1]), "dict-wn"),
        "man": (manpages(args.man_pages), "manpages"),
        "doc": (docs_readmes(), None),
    }
    report = {}
    with open(os.path.join(args.out, "corpus.txt"), "w", encoding="utf-8") as out:
        for name, (docs, pkg) in sources.items():
            text = "\n\n".join(docs)
            out.write(text + "\n\n")
            report[name] = {"documents": len(docs), "bytes": len(text.encode()),
                            "sha256": hashlib.sha256(text.encode()).hexdigest(),
                            **({"package": pkg, "version": package_version(pkg)} if pkg else {"from": "/usr/share/doc/*/README*"})}
            print(f"{name}: {len(docs)} documents, {len(text.encode()) / 1e6:.1f} MB", flush=True)
    with open(os.path.join(args.out, "sources.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
