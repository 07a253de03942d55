#!/usr/bin/env python3
"""SageMaker fidelity check: validates requests and answers against botocore's own
service model for SageMaker, offline.

stdin: a JSON list of {"label", "operation", "direction": "input"|"output", "value"}.
stdout: a JSON list of {"label", "errors": [...]} - empty errors when the value conforms.

Inputs go through botocore's ParamValidator (what the AWS SDK checks before sending) and
the walker below; answers through the walker: member names, types, required members, enum
values, lengths, ranges and patterns (the whole value must match, as the service checks).
The one deliberate local widening: an S3Uri may be a file:// URI on the local engine.
"""
import datetime
import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator

model = botocore.session.get_session().get_service_model("sagemaker")
LOCAL_S3URI = re.compile(r"(?:(?:https|s3)://[^/]+/?.*|file://.+)", re.S)
_patterns = {}


def pattern_of(shape):
    if shape.name == "S3Uri":
        return LOCAL_S3URI
    if shape.name not in _patterns:
        try:
            _patterns[shape.name] = re.compile(shape.metadata["pattern"], re.S)
        except re.error:
            _patterns[shape.name] = None  # Java-only syntax such as \p{Alnum}: not checked
    return _patterns[shape.name]


def is_timestamp(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    if isinstance(value, str):
        try:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return True
        except ValueError:
            return False
    return False


def walk(shape, value, path, errors):
    kind = shape.type_name
    meta = shape.metadata
    def err(message):
        errors.append(f"{path or '<root>'}: {message}")
    if kind == "structure":
        if not isinstance(value, dict):
            return err(f"expected an object, got {type(value).__name__}")
        for name in shape.required_members:
            if value.get(name) is None:
                err(f"required member {name} is missing")
        for name, item in value.items():
            if name not in shape.members:
                err(f"{name} is not a member of {shape.name}")
                continue
            walk(shape.members[name], item, f"{path}.{name}" if path else name, errors)
    elif kind == "list":
        if not isinstance(value, list):
            return err(f"expected a list, got {type(value).__name__}")
        if "min" in meta and len(value) < meta["min"]:
            err(f"has {len(value)} items, fewer than {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            err(f"has {len(value)} items, more than {meta['max']}")
        for i, item in enumerate(value):
            walk(shape.member, item, f"{path}[{i}]", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            return err(f"expected a map, got {type(value).__name__}")
        for key, item in value.items():
            walk(shape.key, key, f"{path}<key {key}>", errors)
            walk(shape.value, item, f"{path}.{key}", errors)
    elif kind == "string":
        if not isinstance(value, str):
            return err(f"expected a string, got {type(value).__name__}")
        if "min" in meta and len(value) < meta["min"]:
            err(f"shorter than {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            err(f"longer than {meta['max']}")
        if shape.enum and value not in shape.enum:
            err(f"{value!r} is not one of {shape.enum}")
        elif "pattern" in meta:
            pattern = pattern_of(shape)
            if pattern is not None and not pattern.fullmatch(value):
                err(f"{value!r} does not match {meta['pattern']}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return err(f"expected an integer, got {value!r}")
        if "min" in meta and value < meta["min"]:
            err(f"{value} is below {meta['min']}")
        if "max" in meta and value > meta["max"]:
            err(f"{value} is above {meta['max']}")
    elif kind in ("float", "double"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            err(f"expected a number, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            err(f"expected true/false, got {value!r}")
    elif kind == "timestamp":
        if not is_timestamp(value):
            err(f"expected a timestamp, got {value!r}")


def check(item):
    op = model.operation_model(item["operation"])
    shape = op.input_shape if item["direction"] == "input" else op.output_shape
    errors = []
    if item["direction"] == "input":
        report = ParamValidator().validate(item["value"], shape)
        if report.has_errors():
            errors.extend(line.strip() for line in report.generate_report().splitlines() if line.strip())
    walk(shape, item["value"], "", errors)
    return {"label": item["label"], "errors": errors}


if __name__ == "__main__":
    items = json.load(sys.stdin)
    json.dump([check(item) for item in items], sys.stdout)
