"""The YAML document must be the JSON document for every YAML loader.

Loads the YAML with a YAML 1.1 loader (PyYAML's safe_load, as most Python,
Java and JavaScript tools do) and a YAML 1.2 loader (ruamel.yaml, safe), and
compares each with the JSON. Prints every difference by JSON pointer.

usage: python yaml_equals_json.py DOCUMENT.json DOCUMENT.yaml
"""

import json
import sys

import yaml
from ruamel.yaml import YAML


def differences(left, right, pointer=""):
    """Yields (pointer, left, right) wherever the two values differ."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            here = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in left or key not in right:
                yield here, left.get(key, "<absent>"), right.get(key, "<absent>")
            else:
                yield from differences(left[key], right[key], here)
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for i, (a, b) in enumerate(zip(left, right)):
            yield from differences(a, b, f"{pointer}/{i}")
    elif type(left) is not type(right) or left != right:
        yield pointer, left, right


def main():
    json_path, yaml_path = sys.argv[1:3]
    with open(json_path, encoding="utf-8") as f:
        expected = json.load(f)
    with open(yaml_path, encoding="utf-8") as f:
        text = f.read()
    loaders = {
        f"YAML 1.1 (PyYAML {yaml.__version__} safe_load)": lambda: yaml.safe_load(text),
        "YAML 1.2 (ruamel.yaml safe)": lambda: YAML(typ="safe", pure=True).load(text),
    }
    failed = False
    for name, load in loaders.items():
        found = list(differences(expected, load()))
        if found:
            failed = True
            print(f"{yaml_path} under {name}: {len(found)} difference(s) from {json_path}")
            for pointer, want, got in found[:20]:
                print(f"  {pointer}: JSON {want!r} ({type(want).__name__}), YAML {got!r} ({type(got).__name__})")
        else:
            print(f"{yaml_path} under {name}: equal to {json_path}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
