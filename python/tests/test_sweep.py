"""heatgpu.sweep: members in one batched march locally, or split across the workers of a
dask.distributed.Client and gathered in order."""

from __future__ import annotations

import numpy as np
import pytest

import heatgpu

BASE = dict(nt=401, nx=11, theta=1.0, snapshot_every=100)


def test_local_sweep_equals_single_solves():
    alphas = [0.004, 0.01, 0.03]
    s = heatgpu.sweep("heat1d", alpha=alphas, backend="cpu", **BASE)
    assert s.fields.shape == (3, 5, 11) and s.param == "alpha"
    np.testing.assert_array_equal(s.values, alphas)
    np.testing.assert_array_equal(s.levels, [0, 100, 200, 300, 400])
    np.testing.assert_allclose(s.times, s.levels * 25.0 / 400)
    for k, alpha in enumerate(alphas):
        one = heatgpu.solve(backend="cpu", mode="march", alpha=alpha, **BASE)
        np.testing.assert_allclose(s.fields[k], one.field, rtol=1e-10)
    assert s.report["residual"] <= s.report["target"]
    assert s.report["sweep"] == {"param": "alpha", "members": 3}


def test_boundary_value_sweep():
    s = heatgpu.sweep(t_x0=np.linspace(30.0, 90.0, 7), backend="cpu", **BASE)
    np.testing.assert_allclose(s.fields[:, -1, 0], np.linspace(30.0, 90.0, 7))


def test_sweep_errors():
    with pytest.raises(ValueError, match="exactly one parameter as a sequence"):
        heatgpu.sweep(alpha=[0.01, 0.02], t_x0=[50.0, 60.0], **BASE)
    with pytest.raises(ValueError, match="exactly one parameter as a sequence"):
        heatgpu.sweep(**BASE)
    with pytest.raises(ValueError, match="varies one of alpha, t_x0, t_xl, t_t0"):
        heatgpu.sweep(theta=[0.5, 1.0], nt=101)
    with pytest.raises(ValueError, match="linear problem"):
        heatgpu.sweep(alpha=[0.01], beta=0.01, **BASE)
    with pytest.raises(ValueError, match="member 1: invalid parameter alpha = -1"):
        heatgpu.sweep(alpha=[0.01, -1.0], **BASE)
    with pytest.raises(ValueError, match="invalid parameter mode: heat1d takes"):
        heatgpu.sweep(alpha=[0.01], mode="march", **BASE)


def test_dask_cluster_of_two_worker_processes():
    distributed = pytest.importorskip(
        "dask.distributed", reason="dask.distributed is not installed (pip install heatgpu[distributed])"
    )
    alphas = np.linspace(0.002, 0.03, 5)
    local = heatgpu.sweep(alpha=alphas, backend="cpu", **BASE)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    ) as cluster, distributed.Client(cluster) as client:
        spread = heatgpu.sweep(alpha=alphas, client=client, backend="cpu", **BASE)
        pids = {r["worker"]["pid"] for r in spread.report["batches"]}
        with pytest.raises(ValueError, match="member 0"):
            heatgpu.sweep(alpha=[-1.0], client=client, **BASE)
        burgers = dict(nu=[0.05, 0.08, 0.1], n=64, steps=20, snapshot_every=10, backend="cpu")
        burgers_spread = heatgpu.sweep("burgers", client=client, **burgers)
    burgers_local = heatgpu.sweep("burgers", **burgers)
    np.testing.assert_array_equal(burgers_spread.fields, burgers_local.fields)
    assert burgers_spread.fields.shape == (3, 3, 64)
    assert burgers_spread.report["exact_error"] == burgers_local.report["exact_error"]
    np.testing.assert_array_equal(spread.fields, local.fields)
    np.testing.assert_array_equal(spread.values, alphas)
    assert spread.report["sweep"]["workers"] == 2
    assert [r["sweep"]["members"] for r in spread.report["batches"]] == [3, 2]
    assert len(pids) == 2, "each batch ran in its own worker process"
