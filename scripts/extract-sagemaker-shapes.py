#!/usr/bin/env python3
"""Extracts the SageMaker API shapes the project validates against from botocore's
service model (Apache-2.0) into src/model/sagemaker-shapes.json.

Run again after a botocore upgrade: python3 scripts/extract-sagemaker-shapes.py
"""
import json
import pathlib

import botocore.session

OPERATIONS = [
    "CreateTrainingJob", "DescribeTrainingJob", "ListTrainingJobs", "StopTrainingJob",
    "CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob",
    "ListHyperParameterTuningJobs", "ListTrainingJobsForHyperParameterTuningJob",
    "StopHyperParameterTuningJob",
]
KEEP = ("type", "required", "members", "member", "key", "value", "min", "max", "pattern", "enum")

model = botocore.session.get_session().get_service_model("sagemaker")
raw = model._service_description["shapes"]
shapes, operations = {}, {}


def visit(name):
    if name in shapes:
        return
    spec = raw[name]
    shapes[name] = {k: spec[k] for k in KEEP if k in spec}
    if "members" in spec:
        shapes[name]["members"] = {m: {"shape": v["shape"]} for m, v in spec["members"].items()}
        for v in spec["members"].values():
            visit(v["shape"])
    for k in ("member", "key", "value"):
        if k in spec:
            shapes[name][k] = {"shape": spec[k]["shape"]}
            visit(spec[k]["shape"])


for op_name in OPERATIONS:
    op = model.operation_model(op_name)
    entry = {}
    if op.input_shape is not None:
        entry["input"] = op.input_shape.name
        visit(op.input_shape.name)
    if op.output_shape is not None:
        entry["output"] = op.output_shape.name
        visit(op.output_shape.name)
    operations[op_name] = entry

out = {
    "source": f"botocore {botocore.__version__} sagemaker {model.api_version}",
    "operations": operations,
    "shapes": dict(sorted(shapes.items())),
}
target = pathlib.Path(__file__).resolve().parent.parent / "src" / "model" / "sagemaker-shapes.json"
target.write_text(json.dumps(out, separators=(",", ":"), sort_keys=False) + "\n")
print(f"wrote {target} ({len(shapes)} shapes)")
