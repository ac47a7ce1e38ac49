"""The report's PNG plots: hops per phase, the end-to-end CDF, CPU per flow, HTTP load
and issuance throughput."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmarks.purchase_flow.analysis import HOPS
from benchmarks.targets import TARGETS


def plot_hops(flow: dict[str, Any], path: Path) -> None:
    phases = flow["phases"]
    hops = list(HOPS)
    fig, axes = plt.subplots(1, len(phases), figsize=(5 * len(phases), 4.5), sharey=True)
    if len(phases) == 1:
        axes = [axes]
    for ax, (name, phase) in zip(axes, phases.items(), strict=True):
        xs = range(len(hops))
        for offset, pct in ((-0.27, "p50"), (0.0, "p95"), (0.27, "p99")):
            ax.bar(
                [x + offset for x in xs],
                [phase["hops_ms"].get(h, {}).get(pct, 0) for h in hops],
                width=0.27,
                label=pct,
            )
        ax.set_xticks(list(xs), hops, rotation=40, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_title(f"{name}: {phase['completed_per_s']} flows/s", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("ms (log)")
    axes[0].legend()
    fig.suptitle("purchase → credential: latency per hop")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_cdf(flow: dict[str, Any], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, phase in flow["phases"].items():
        for key, style in (
            ("end_to_end_samples_ms", "-"),
            ("completion_to_credential_samples_ms", "--"),
        ):
            values = sorted(phase.get(key) or [])
            if values:
                ys = [(i + 1) / len(values) for i in range(len(values))]
                label = f"{name}: {key.removesuffix('_samples_ms').replace('_', ' ')}"
                ax.plot(values, ys, style, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("ms (log)")
    ax.set_ylabel("fraction of flows")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("end to end and completion → credential, CDF")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_cpu(flow: dict[str, Any], path: Path) -> None:
    phases = {k: v for k, v in flow["phases"].items() if v.get("cpu_ms_per_flow")}
    if not phases:
        return
    components = sorted({c for p in phases.values() for c in p["cpu_ms_per_flow"]})
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bottoms = [0.0] * len(phases)
    for component in components:
        values = [p["cpu_ms_per_flow"].get(component, 0.0) for p in phases.values()]
        ax.bar(list(phases), values, bottom=bottoms, label=component)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    ax.set_ylabel("CPU ms per completed flow")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("where a purchase flow's CPU goes (all processes, user + system)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_http(load: dict[str, Any], path: Path) -> None:
    runs = load["runs"]
    labels = [f"{r['endpoint']}\n@{r['rate_offered']}/s" for r in runs]
    fig, ax = plt.subplots(figsize=(max(8, len(runs) * 0.9), 5))
    xs = range(len(runs))
    ax.bar([x - 0.2 for x in xs], [r["p50_ms"] for r in runs], width=0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [r["p99_ms"] for r in runs], width=0.4, label="p99")
    ax.set_xticks(list(xs), labels, rotation=60, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    ax.set_title("HTTP APIs under fixed-rate load (vegeta)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_issuance(core: dict[str, Any], load: dict[str, Any] | None, path: Path) -> None:
    bars = {
        "sign (core)": core.get("signed_per_s", 0),
        "verify (core)": core.get("verified_per_s", 0),
    }
    if load:
        http = [r for r in load["runs"] if "verify" in r["endpoint"]]
        if http:
            bars["verify (HTTP, best)"] = max(r["throughput_per_s"] for r in http)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(list(bars), list(bars.values()), color=["C0", "C1", "C2"][: len(bars)])
    ax.axhline(TARGETS["verify_http_per_s"], color="red", ls="--", label="target verify/s")
    ax.set_ylabel("per second")
    ax.legend()
    ax.set_title("issuance: credentials per second")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
