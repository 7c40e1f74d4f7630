"""PyTorch peer of TrainingStepBenchmarks (run by ee-benchmarks; see src/Benchmarks/README.md, "PyTorch peer").

One SGD step of a plain MLP on M*B rows and of a BatchEnsemble MLP written the way torch-uncertainty's
BatchLinear does it (inputs repeated per member, r/s ~ N(1, 0.5), per-member bias), at the shapes of
TrainingStepBenchmarks: input 64, two hidden layers of width N, 10 outputs, B = 64 rows per member, float32.
A server, so that ee-benchmarks can alternate its own steps with the peer's in one sitting: it prints the CSV
header, then reads requests "WORKLOAD WIDTH M STEPS" from stdin, one a line, and answers each with one CSV row:
the median of STEPS timed steps and the versions that produced it. A new shape is built and warmed up by
5 untimed steps first.

    printf 'SingleNetwork 64 4 200\nBatchEnsemble 64 4 200\n' | OPENBLAS_NUM_THREADS=1 /usr/bin/python3 torch_be_step.py --threads 1
"""
import argparse, ctypes, statistics, sys, time
import torch

BATCH, INPUT, OUTPUT, WARMUP = 64, 64, 10, 5
WORKLOADS = ("SingleNetwork", "BatchEnsemble")


class BatchLinear(torch.nn.Module):
    def __init__(self, i, o, m):
        super().__init__()
        self.m = m
        self.linear = torch.nn.Linear(i, o, bias=False)
        self.r = torch.nn.Parameter(torch.empty(m, i).normal_(1.0, 0.5))
        self.s = torch.nn.Parameter(torch.empty(m, o).normal_(1.0, 0.5))
        self.b = torch.nn.Parameter(torch.zeros(m, o))

    def forward(self, x):  # x: [M*B, i], member-major
        k = x.shape[0] // self.m
        r = self.r.repeat_interleave(k, 0); s = self.s.repeat_interleave(k, 0); b = self.b.repeat_interleave(k, 0)
        return self.linear(x * r) * s + b


def mlp(n, m=None):
    if m is None:
        return torch.nn.Sequential(torch.nn.Linear(INPUT, n), torch.nn.ReLU(), torch.nn.Linear(n, n), torch.nn.ReLU(), torch.nn.Linear(n, OUTPUT))
    return torch.nn.Sequential(BatchLinear(INPUT, n, m), torch.nn.ReLU(), BatchLinear(n, n, m), torch.nn.ReLU(), BatchLinear(n, OUTPUT, m))


def training_step(kind, n, m):
    """One SGD step (lr 1e-4, cross-entropy) of the workload at width n with M = m, warmed up."""
    model = mlp(n) if kind == "SingleNetwork" else mlp(n, m)
    x = torch.randn(m * BATCH, INPUT); y = torch.randint(0, OUTPUT, (m * BATCH,))
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(WARMUP):
        step()
    return step


def median_step_ms(step, steps):
    times = []
    for _ in range(steps):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def blas():
    """The BLAS torch calls (Debian's torch uses the system libblas.so.3): OpenBLAS's build string, else 'generic'."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return "generic libblas.so.3 (not OpenBLAS: expect about 2 GFLOP/s)"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    versions = [torch.__version__, blas(), sys.version.split()[0]]
    versions = [v.replace(",", ";") for v in versions]  # CSV fields
    print("workload,width,members,median_ms,steps,threads,torch,blas,python", flush=True)
    shape, step = None, None
    for line in sys.stdin:
        kind, n, m, steps = line.split()
        n, m, steps = int(n), int(m), int(steps)
        if kind not in WORKLOADS or n < 1 or m < 1 or steps < 1:
            sys.exit(f"bad request '{line.strip()}'")
        if shape != (kind, n, m):  # ee-benchmarks asks shape by shape: keep only the current one
            shape, step = (kind, n, m), training_step(kind, n, m)
        ms = median_step_ms(step, steps)
        print(",".join([kind, str(n), str(m), repr(ms), str(steps), str(torch.get_num_threads())] + versions), flush=True)


if __name__ == "__main__":
    main()
