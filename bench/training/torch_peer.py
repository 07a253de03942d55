"""PyTorch CPU reference for `npm run bench:training`: the same trainable top (Linear, ReLU,
dropout, Linear; cross-entropy with label smoothing; Adam with Keras' epsilon; L2 on the
weights as Keras adds it) at the same batch size and thread count, on random features.
Usage: python torch_peer.py '<json config>'  ->  prints one JSON line of results."""
import json
import sys
import time

import torch


def main():
    cfg = json.loads(sys.argv[1])
    torch.manual_seed(0)
    torch.set_num_threads(cfg["threads"])
    f, h, c, b = cfg["featureSize"], cfg["hidden"], cfg["classes"], cfg["batch"]
    block = torch.nn.Linear(f, h)
    head = torch.nn.Linear(h, c)
    model = torch.nn.Sequential(block, torch.nn.ReLU(), torch.nn.Dropout(cfg["dropout"]), head)
    if not cfg["trainBlock"]:
        for p in block.parameters():
            p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    weights = [p for p in params if p.dim() >= 2]
    optimizer = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=cfg["labelSmoothing"])
    batches = [(torch.randn(b, f), torch.randint(0, c, (b,))) for _ in range(16)]
    results = {}

    def train_steps(n):
        model.train()
        for i in range(n):
            x, y = batches[i % len(batches)]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            if cfg["l2"]:
                loss = loss + cfg["l2"] * sum((w * w).sum() for w in weights)
            loss.backward()
            optimizer.step()

    train_steps(cfg["warmup"])
    start = time.perf_counter()
    train_steps(cfg["steps"])
    results["trainSamplesPerSecond"] = cfg["steps"] * b / (time.perf_counter() - start)

    model.eval()
    with torch.inference_mode():
        for i in range(cfg["warmup"]):
            model(batches[i % len(batches)][0])
        start = time.perf_counter()
        for i in range(cfg["steps"]):
            model(batches[i % len(batches)][0])
        results["inferSamplesPerSecond"] = cfg["steps"] * b / (time.perf_counter() - start)
    results["torch"] = torch.__version__
    print(json.dumps(results))


if __name__ == "__main__":
    main()
