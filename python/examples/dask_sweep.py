"""A sweep of the diffusivity split across the workers of a dask cluster.

Each worker solves its share of the members (all at once, by the batched linear march) on its
own GPU or CPU; the fields come back in the order of the values. Here the cluster is two
worker processes on this machine; give a Client connected to a real scheduler to use many
machines (every worker needs heatgpu installed).

    pip install "dask[distributed]"
    python python/examples/dask_sweep.py
"""

import numpy as np
from dask.distributed import Client, LocalCluster

import heatgpu

if __name__ == "__main__":
    alphas = np.linspace(0.002, 0.05, 64)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        result = heatgpu.sweep("heat1d", alpha=alphas, client=client,
                               nt=10_001, nx=101, theta=0.5, snapshot_every=1000)
    print(result)
    for batch in result.report["batches"]:
        print(f"  worker pid {batch['worker']['pid']}: {batch['sweep']['members']} members on "
              f"{batch['backend']} [{batch['device']}], {batch['elapsed_s']:.2f} s")
    middle = result.fields[:, -1, 50]
    print("T(x = 0.5, t_max) for alpha =", alphas[[0, 31, 63]], ":", middle[[0, 31, 63]])
