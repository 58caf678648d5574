"""The users' P1 system handed to scipy, with heatgpu's residual and Jacobian.

The users wrote the residual in numba and passed it to scipy.optimize.least_squares; reusing
the output buffer froze scipy's finite-difference Jacobian at the initial guess. Here the
residual comes back as a fresh array on every call (heatgpu never hands out scratch space) and
the exact sparse Jacobian replaces the finite differences. Both solvers start from the users'
initial guess and end on the field heatgpu.solve computes directly.

    python python/examples/scipy_interop.py
"""

import functools
import time

import numpy as np
import scipy.optimize

import heatgpu

# The users' problem (forward Euler, alpha = 0.01, 60 / 25 degrees), with 101 time levels
# instead of a million so that scipy's general-purpose solvers finish in a second.
params = dict(nt=101, nx=11, t_max=25.0, alpha=0.01, t_x0=60.0, t_xl=25.0, t_t0=25.0)
x0 = heatgpu.initial_guess(**params)

start = time.perf_counter()
direct = heatgpu.solve(**params)
print(f"heatgpu.solve: {direct.report['iterations']} Newton iteration(s), "
      f"verified residual {direct.report['residual']:.2e}, {time.perf_counter() - start:.4f} s")

# least_squares: residual as fun, the sparse Jacobian as jac (trust region with LSMR).
start = time.perf_counter()
ls = scipy.optimize.least_squares(
    heatgpu.residual, x0, jac=heatgpu.jacobian, kwargs=params,
    method="trf", tr_solver="lsmr", xtol=1e-15, ftol=1e-15, gtol=1e-15,
)
print(f"least_squares: {ls.nfev} evaluations, max |x - solve| = "
      f"{np.abs(ls.x - direct.field.ravel()).max():.1e}, {time.perf_counter() - start:.3f} s")

# root (MINPACK's Levenberg-Marquardt) wants positional arguments and a dense Jacobian, so a
# smaller system: 51 levels (r = 1/2, the forward-Euler limit).
small = dict(params, nt=51)
fun = functools.partial(heatgpu.residual, **small)
jac = functools.partial(heatgpu.jacobian, dense=True, **small)
start = time.perf_counter()
rt = scipy.optimize.root(fun, heatgpu.initial_guess(**small), jac=jac, method="lm", tol=1e-13)
print(f"root (lm):     success {rt.success}, max |x - solve| = "
      f"{np.abs(rt.x - heatgpu.solve(**small).field.ravel()).max():.1e}, "
      f"{time.perf_counter() - start:.3f} s")

T = ls.x.reshape(params["nt"], params["nx"])
print("T(x, t_max) =", np.array2string(T[-1], precision=3))
