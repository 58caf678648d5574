"""The package's surface: documented, typed, the extension's stubs in step with it."""

from __future__ import annotations

import inspect
import pathlib
import re

import heatgpu
from heatgpu import _core


def test_every_public_function_is_documented():
    for name in heatgpu.__all__:
        obj = getattr(heatgpu, name)
        if callable(obj):
            doc = inspect.getdoc(obj) or ""
            assert len(doc) > 40, name
    for name in ["residual", "jacobian", "solve", "sweep"]:
        doc = inspect.getdoc(getattr(heatgpu, name))
        assert "Parameters" in doc and "Returns" in doc, name


def test_typed_package_with_stubs_for_the_extension():
    root = pathlib.Path(heatgpu.__file__).parent
    assert (root / "py.typed").exists()
    stub = (root / "_core.pyi").read_text()
    stubbed = set(re.findall(r"^def (\w+)", stub, flags=re.M))
    exported = {n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n))}
    assert stubbed == exported
