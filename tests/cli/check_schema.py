#!/usr/bin/env python3
"""Validates `xpubench probe --format json` against docs/schema/inventory.v1.schema.json, and checks
that docs/schema.md documents every field the schema allows.

usage: check_schema.py XPUBENCH_BINARY SOURCE_DIR [FAKE_LEVEL_ZERO_LOADER]
(with the fake loader, a probe that lists Level Zero devices, whose details are facts, is checked too;
with $XPU_FAKE_CUDA naming the fake libcuda.so.1, a probe that lists a CUDA GPU too)
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema

binary, source = sys.argv[1], Path(sys.argv[2])
schema = json.loads((source / "docs/schema/inventory.v1.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

runs = {
    "live": [binary, "probe", "--format", "json"],
    "topology": [binary, "probe", "--format", "json", "--no-opencl", "--no-vulkan",
                 "--topology", str(source / "tests/fixtures/topology/two_socket_four_numa.xml")],
}
envs = {}
if len(sys.argv) > 3:
    runs["levelzero"] = [binary, "probe", "--format", "json", "--no-opencl", "--no-vulkan"]
    envs["levelzero"] = {**os.environ, "XPUBENCH_LEVEL_ZERO_LIBRARY": sys.argv[3]}
if os.environ.get("XPU_FAKE_CUDA"):
    runs["cuda"] = [binary, "probe", "--format", "json", "--no-opencl", "--no-vulkan"]
    envs["cuda"] = {**os.environ, "XPUBENCH_CUDA_LIBRARY": os.environ["XPU_FAKE_CUDA"]}
failures = 0
for name, argv in runs.items():
    out = subprocess.run(argv, capture_output=True, text=True, check=True, env=envs.get(name)).stdout
    if name == "levelzero" and '"levelzero0"' not in out:
        print("levelzero: the fake loader's devices are missing")
        failures += 1
    if name == "cuda" and '"cuda0"' not in out:
        print("cuda: the fake driver's GPU is missing")
        failures += 1
    errors = sorted(validator.iter_errors(json.loads(out)), key=lambda e: list(e.path))
    for e in errors:
        print(f"{name}: {'/'.join(map(str, e.path))}: {e.message}")
    failures += len(errors)
    print(f"{name}: {'valid' if not errors else f'{len(errors)} error(s)'}")

# A schema that is invalid JSON for the writer must fail: prove the validator is not vacuous.
bad = json.loads(subprocess.run(runs["topology"], capture_output=True, text=True, check=True).stdout)
bad["inventory"]["undocumented_field"] = 1
if validator.is_valid(bad):
    print("validator accepted an undocumented field")
    failures += 1

doc = (source / "docs/schema.md").read_text()
def names(node):
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            yield key
        for value in node.values():
            yield from names(value)
    elif isinstance(node, list):
        for value in node:
            yield from names(value)
missing = sorted({n for n in names(schema) if not re.search(rf"`{re.escape(n)}`", doc)})
for n in missing:
    print(f"docs/schema.md does not document `{n}`")
failures += len(missing)
sys.exit(1 if failures else 0)
