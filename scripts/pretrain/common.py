"""What both pretraining scripts share: the stratified split and the head training of the
fine-tuning simulation, and the output helpers (sha256 of a written model, prettier on the JSON)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(labels):
        idx = np.nonzero(labels == c)[0]
        rng.shuffle(idx)
        cut = int(round(len(idx) * (1 - fraction)))
        train.append(idx[:cut])
        val.append(idx[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def train_on_features(
    model: nn.Module,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    seed: int,
    epochs: int,
) -> list[float]:
    """Adam lr 1e-3, batch 32, cross-entropy; the validation accuracy after each epoch."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=gen)
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            history.append(float((model(val_x).argmax(1) == val_y).float().mean()))
    return history


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prettier(paths: list[Path]) -> None:
    """Formats the written JSON the way the repository's prettier check expects (when npx is
    there; the JSON is valid either way)."""
    npx = shutil.which('npx')
    if npx is None:
        return
    subprocess.run([npx, 'prettier', '--write', *map(str, paths)], cwd=ROOT, check=False, capture_output=True)
