"""heatgpu.devices and heatgpu.bench."""

from __future__ import annotations

import pytest

import heatgpu


def test_devices_are_described():
    for d in heatgpu.devices():
        assert d["name"] and d["summary"].startswith(d["name"])
        assert isinstance(d["shader_f64"], bool) and isinstance(d["is_software"], bool)


def test_bench_measures_the_cpu_against_its_copy():
    lines = []
    report = heatgpu.bench(ops=["copy", "residual"], nt=[20_000], repeats=2, gpu=False,
                           progress=lines.append)
    rows = report["rows"]
    assert [r["op"] for r in rows] == ["copy", "residual"]
    assert all(r["label"]["backend"] == "cpu" and r["end_to_end"]["median_s"] > 0 for r in rows)
    assert rows[1]["percent_of_copy"] > 0
    # Each measurement's line as it starts (the op's case follows heatgpu bench's labels).
    assert [line.lower() for line in lines] == ["cpu copy nt=20000", "cpu residual nt=20000"]


def test_bench_validates_its_options():
    with pytest.raises(ValueError, match="invalid parameter ops = fft: must be one of copy"):
        heatgpu.bench(ops=["fft"])
    with pytest.raises(ValueError, match="invalid parameter repeats = 0"):
        heatgpu.bench(repeats=0)
    with pytest.raises(ValueError, match="invalid parameter nt = 1"):
        heatgpu.bench(nt=[1])
