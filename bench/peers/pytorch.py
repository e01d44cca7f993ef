"""PyTorch's side of the peer benchmark (bench/peers/pytorch.ts starts it once per run, as a child process).

Line protocol, one JSON object per line each way; every request carries a sequence number "seq" that its reply
repeats:

  on start                                   -> {"ready": true, "torch": "1.13.0", "python": "3.11.2"}
                                                or {"unavailable": "why"} and exit
  {"seq": 1, "prepare": {"workload": "ridge", "K": 1000, "mode": "vectorised" | "scalar", "data": {...}}}
                                             -> {"seq": 1, "id": 7}
  {"seq": 2, "run": n, "id": 7}              -> {"seq": 2, "seconds": s}
  {"seq": 3, "run": 1, "id": 7, "answer": true}
                                             -> {"seq": 3, "seconds": s, "answer": "<base64 float64s>"}
  {"seq": 4, "dispose": 7}                   -> {"seq": 4}
  a request that fails                       -> {"seq": ..., "error": "what went wrong"}

`run` calls the prepared gradient n times back to back and measures them with time.perf_counter: the seconds
cover the n calls only (each ends with the gradient tensor computed), not the reading of the request, nor the
conversion of the answer to a list, nor the reply. Arrays travel as base64 of little-endian float64s (exact,
and NaN and infinities survive): `data` holds the point ("point"), ridge's x, y and lambda, logreg's X (row-major,
32 × (K − 1)) and y (a list of 0 and 1). The program exits when its standard input closes.

Everything is float64 and single-threaded (the benchmark times one thread per contender).
"""

import array
import base64
import json
import platform
import sys
import time
import traceback


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any failure to import means PyTorch is not usable here
    send({"unavailable": f"cannot import torch ({type(e).__name__}: {e})"})
    sys.exit(0)

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass  # already set: only possible once, before any inter-op work

F64 = torch.float64


def floats(text):
    """The float64s in a base64 string, as a Python array('d')."""
    a = array.array("d")
    a.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        a.byteswap()
    return a


def encode(values):
    a = array.array("d", values)
    if sys.byteorder != "little":
        a.byteswap()
    return base64.b64encode(a.tobytes()).decode("ascii")


def tensor(values):
    return torch.tensor(values, dtype=F64)


# Vectorised: the loss as tensor expressions of one 1-D tensor w of the K inputs.


def vectorised_loss(workload, K, data):
    if workload == "ridge":
        # (wᵀx − y)² + λ·wᵀw
        x = tensor(floats(data["x"]))
        y = float(data["y"])
        lam = float(data["lambda"])
        return lambda w: (torch.dot(w, x) - y) ** 2 + lam * torch.dot(w, w)
    if workload == "rosenbrock":
        # Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², with x_i and x_{i+1} as two shifted slices
        def rosenbrock(x):
            head = x[:-1]
            tail = x[1:]
            return torch.sum(100 * (tail - head * head) ** 2 + (1 - head) ** 2)

        return rosenbrock
    if workload == "product":
        return torch.prod
    if workload == "logreg":
        # Σᵢ softplus(sᵢ zᵢ), z = Xw + b, s = −1 where y = 1 and +1 where y = 0
        n = K - 1
        X = tensor(floats(data["X"])).reshape(len(data["y"]), n)
        s = tensor([-1.0 if yi == 1 else 1.0 for yi in data["y"]])

        def logreg(at):
            z = torch.mv(X, at[:n]) + at[n]
            return torch.sum(F.softplus(s * z))

        return logreg
    raise ValueError(f"unknown workload {workload!r}")


def prepare_vectorised(workload, K, data):
    loss = vectorised_loss(workload, K, data)
    w = tensor(floats(data["point"])).requires_grad_(True)
    if w.shape != (K,):
        raise ValueError(f"the point has {w.numel()} entries, not K = {K}")

    def gradient():
        return torch.autograd.grad(loss(w), w)[0]

    return gradient, lambda g: g.tolist()


# One op per scalar: the same losses built by Python loops over a list of K 0-dim tensors, every scalar
# operation one torch op (the data are Python floats).


def scalar_loss(workload, K, data):
    if workload == "ridge":
        x = floats(data["x"]).tolist()
        y = float(data["y"])
        lam = float(data["lambda"])

        def ridge(w):
            r = w[0] * x[0]
            q = w[0] * w[0]
            for i in range(1, K):
                r = r + w[i] * x[i]
                q = q + w[i] * w[i]
            d = r - y
            return d * d + lam * q

        return ridge
    if workload == "rosenbrock":

        def rosenbrock(x):
            total = None
            for i in range(K - 1):
                xi = x[i]
                r = x[i + 1] - xi * xi
                d = 1 - xi
                term = 100 * (r * r) + d * d
                total = term if total is None else total + term
            return total

        return rosenbrock
    if workload == "product":

        def product(w):
            p = w[0]
            for i in range(1, K):
                p = p * w[i]
            return p

        return product
    if workload == "logreg":
        n = K - 1
        flat = floats(data["X"]).tolist()
        X = [flat[i * n : (i + 1) * n] for i in range(len(data["y"]))]
        s = [-1.0 if yi == 1 else 1.0 for yi in data["y"]]

        def logreg(at):
            b = at[n]
            total = None
            for row, si in zip(X, s):
                z = b
                for j in range(n):
                    z = z + row[j] * at[j]
                term = F.softplus(si * z)
                total = term if total is None else total + term
            return total

        return logreg
    raise ValueError(f"unknown workload {workload!r}")


def prepare_scalar(workload, K, data):
    loss = scalar_loss(workload, K, data)
    point = floats(data["point"])
    if len(point) != K:
        raise ValueError(f"the point has {len(point)} entries, not K = {K}")
    leaves = [torch.tensor(v, dtype=F64, requires_grad=True) for v in point]

    def gradient():
        return torch.autograd.grad(loss(leaves), leaves)

    return gradient, lambda g: [t.item() for t in g]


PREPARED = {}
next_id = 0


def handle(request):
    global next_id
    if "prepare" in request:
        p = request["prepare"]
        workload, K, mode = p["workload"], int(p["K"]), p["mode"]
        if mode == "vectorised":
            prepared = prepare_vectorised(workload, K, p["data"])
        elif mode == "scalar":
            prepared = prepare_scalar(workload, K, p["data"])
        else:
            raise ValueError(f"unknown mode {mode!r}")
        next_id += 1
        PREPARED[next_id] = prepared
        return {"id": next_id}
    if "run" in request:
        gradient, to_list = PREPARED[request["id"]]
        n = int(request["run"])
        if n < 1:
            raise ValueError(f"run: n must be at least 1, got {n}")
        g = None
        t0 = time.perf_counter()
        for _ in range(n):
            g = gradient()
        seconds = time.perf_counter() - t0
        reply = {"seconds": seconds}
        if request.get("answer"):
            reply["answer"] = encode(to_list(g))
        return reply
    if "dispose" in request:
        PREPARED.pop(request["dispose"], None)
        return {}
    raise ValueError(f"unknown request {sorted(request)}")


def main():
    send({"ready": True, "torch": torch.__version__, "python": platform.python_version()})
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        seq = None
        try:
            request = json.loads(line)
            seq = request.get("seq")
            reply = handle(request)
        except Exception as e:  # noqa: BLE001 - reported to Node, which fails that measurement
            last = traceback.format_exc().strip().splitlines()[-1]
            reply = {"error": f"{type(e).__name__}: {e}" if str(e) else last}
        reply["seq"] = seq
        send(reply)


if __name__ == "__main__":
    main()
