"""heatgpu.residual: the users' formula, zero-copy inputs, fresh or caller's outputs, errors."""

from __future__ import annotations

import threading
import time
import tracemalloc

import numpy as np
import pytest

import heatgpu
from conftest import numpy_residual


@pytest.mark.parametrize("theta", [0.0, 0.5, 1.0])
def test_matches_the_users_formula(rng, theta):
    p = dict(nt=57, nx=13, theta=theta, t_max=1.0)
    v = 25.0 + 10.0 * rng.standard_normal(57 * 13)
    expected = numpy_residual(v, **p)
    np.testing.assert_allclose(heatgpu.residual(v, **p), expected, rtol=1e-13, atol=1e-10)


def test_users_guess_at_the_users_size_in_parallel():
    # 1.1e7 unknowns: the parallel path with the GIL released; the initial guess's only
    # non-zero rows are the energy rows next to x = 0: alpha (60 - 25)/dx^2.
    v = heatgpu.initial_guess()
    r = heatgpu.residual(v)
    assert r.shape == (11_000_000,)
    nonzero = np.flatnonzero(r)
    assert len(nonzero) == 999_999
    np.testing.assert_allclose(r[nonzero], 0.01 * 35.0 / 0.1**2)


def test_fresh_results_never_alias_inputs_or_earlier_results():
    p = dict(nt=101)
    v = heatgpu.initial_guess(**p)
    r1 = heatgpu.residual(v, **p)
    v2 = v.copy()
    v2[500] += 1.0
    r2 = heatgpu.residual(v2, **p)
    assert not np.shares_memory(r1, r2) and not np.shares_memory(r1, v)
    assert not np.array_equal(r1, r2), "a finite-difference probe must see the change"
    assert r1.flags.owndata and r1.flags.writeable


def test_out_is_written_and_returned():
    p = dict(nt=101, nx=11)
    v = heatgpu.initial_guess(**p)
    out = np.full(v.size, np.nan)
    returned = heatgpu.residual(v, out, **p)
    assert returned is out
    np.testing.assert_allclose(out, numpy_residual(v, **p), rtol=1e-13)
    # Any shape with the right number of values is accepted as out.
    out2 = np.empty((101, 11))
    assert heatgpu.residual(v, out2, **p) is out2


def test_inputs_are_read_in_place_and_only_the_output_is_allocated():
    """Zero bytes copied for inputs: with ``out`` nothing of the input's size is allocated;
    without it, exactly one array of n*8 bytes (the result)."""
    p = dict(nt=200_001)
    v = heatgpu.initial_guess(**p)
    n_bytes = v.nbytes
    out = np.empty_like(v)
    heatgpu.residual(v, out, **p)  # warm-up
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for _ in range(5):
            heatgpu.residual(v, out, **p)
        _, peak_out = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        r = heatgpu.residual(v, **p)
        _, peak_fresh = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_out < 64 * 1024, f"{peak_out} bytes traced for calls with out"
    assert n_bytes <= peak_fresh - base < n_bytes + 64 * 1024, (peak_fresh - base, n_bytes)
    del r


def test_other_layouts_and_dtypes_are_converted_once():
    p = dict(nt=21, nx=5, theta=1.0)
    v = heatgpu.initial_guess(**p)
    expected = heatgpu.residual(v, **p)
    strided = np.repeat(v, 2)[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(heatgpu.residual(strided, **p), expected)
    np.testing.assert_array_equal(heatgpu.residual(v.astype(np.float32), **p), expected)
    np.testing.assert_array_equal(heatgpu.residual(v.tolist(), **p), expected)
    np.testing.assert_array_equal(heatgpu.residual(v.reshape(21, 5), **p), expected)
    # Misaligned data (as unpickled from out-of-band buffers) is copied once into alignment.
    misaligned = np.frombuffer(bytearray(v.nbytes + 1), dtype=np.float64, offset=1, count=v.size)
    assert not misaligned.flags.aligned
    misaligned[:] = v
    np.testing.assert_array_equal(heatgpu.residual(misaligned, **p), expected)
    with pytest.raises(ValueError, match="invalid input out: must be C-contiguous and aligned"):
        heatgpu.residual(v, misaligned, **p)


def test_bad_inputs_raise_value_errors_naming_them():
    p = dict(nt=21, nx=5, theta=1.0)
    v = heatgpu.initial_guess(**p)
    with pytest.raises(ValueError, match=r"invalid input v: has 104 values, expected nt\*nx = 21\*5 = 105"):
        heatgpu.residual(v[:-1], **p)
    with pytest.raises(ValueError, match="invalid input out"):
        heatgpu.residual(v, np.empty(105, dtype=np.float32), **p)
    with pytest.raises(ValueError, match="invalid input out: has 10 values"):
        heatgpu.residual(v, np.empty(10), **p)
    with pytest.raises(ValueError, match="must be C-contiguous"):
        heatgpu.residual(v, np.empty(210)[::2], **p)
    with pytest.raises(ValueError, match="share memory"):
        heatgpu.residual(v, v, **p)
    readonly = np.empty(105)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        heatgpu.residual(v, readonly, **p)
    with pytest.raises(ValueError, match="invalid parameter nx2: heat1d takes"):
        heatgpu.residual(v, nx2=5, **p)
    with pytest.raises(ValueError, match="invalid parameter theta = 2: must lie in"):
        heatgpu.residual(v, **{**p, "theta": 2})
    with pytest.raises(ValueError, match="unstable explicit step"):
        heatgpu.residual(v, **{**p, "theta": 0.0, "nt": 3})
    with pytest.raises(TypeError, match="invalid parameter alpha: expected a number, got str"):
        heatgpu.residual(v, alpha="0.01", **p)


def test_non_finite_results_are_errors_naming_the_place():
    p = dict(nt=21, nx=5, theta=1.0)
    v = heatgpu.initial_guess(**p)
    v[2 * 5 + 3] = np.nan
    with pytest.raises(ValueError, match=r"invalid input v: value NaN at T\[2, 3\]"):
        heatgpu.residual(v, **p)
    r = heatgpu.residual(v, check_finite=False, **p)
    assert np.isnan(r).any()
    huge = heatgpu.initial_guess(**p)
    huge[7] = 1e308
    with pytest.raises(RuntimeError, match=r"the residual holds .* at row \d+ \(energy balance"):
        heatgpu.residual(huge, **p)


def ticks_during(call):
    """Times at which another Python thread ran bytecode while ``call()`` ran."""
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set() and len(ticks) < 1_000_000:
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        time.sleep(0.02)
        start = time.perf_counter()
        call()
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    # Margins: the thread may finish a bytecode just after the call took the GIL's release.
    margin = 0.1 * (end - start)
    return [t for t in ticks if start + margin < t < end - margin]


def test_the_gil_is_released_during_large_residuals():
    # 1.1e7 unknowns, 10 to 40 ms a call: with the GIL held no other thread could run Python
    # during it.
    v = heatgpu.initial_guess()
    out = np.empty_like(v)
    assert len(ticks_during(lambda: heatgpu.residual(v, out))) > 0
    # The probe itself: a C call that holds the GIL (list.sort) lets no tick through.
    items = np.random.default_rng(1).random(1_000_000).tolist()
    assert len(ticks_during(lambda: sorted(items))) == 0
