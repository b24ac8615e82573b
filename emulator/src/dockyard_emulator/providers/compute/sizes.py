"""The VM sizes Microsoft.Compute offers in every emulated region, built from a table of Azure's size series.

Each series lists its sizes by vCPU count with the figures Azure publishes for the series (memory per
vCPU, local temporary disk, data disk slots, premium storage, the Hyper-V generations it boots,
architecture); ``SIZES`` maps every size name to ``(cores, memoryMB, resourceDiskMB, maxDataDisks,
premium storage, hyper-V generations)``. The common general-purpose, burstable, compute-, memory- and
storage-optimized series are here: A (v1/v2), B (v1/v2), D (v2, v3, v4, v5, v6 and their s/d/a/p
variants), DS v2, F, Fs, Fs v2, E (v3, v4, v5, v6), L s v2/v3.
"""
from __future__ import annotations

import re

# (cores, memoryMB, resourceDiskMB, maxDataDisks, premium storage, hyper-V generations)
SizeFigures = tuple[int, int, int, int, bool, tuple[str, ...]]

BOTH = ("V1", "V2")
GEN2 = ("V2",)


def _series(names: str, cores: tuple[int, ...], memory_gb_per_core: float, temp_gb_per_core: float, disks_per_core: int,
            premium: bool, generations: tuple[str, ...] = BOTH, max_disks: int = 64,
            memory: tuple[float, ...] | None = None) -> dict[str, SizeFigures]:
    """The sizes of one series: ``names`` is a pattern such as 'Standard_D{n}s_v5' ({n}: the vCPU count)."""
    result = {}
    for index, count in enumerate(cores):
        memory_gb = memory[index] if memory else count * memory_gb_per_core
        result[names.format(n=count)] = (count, int(memory_gb * 1024), int(count * temp_gb_per_core * 1024),
                                         min(max(2, count * disks_per_core), max_disks), premium, generations)
    return result


def _named(table: dict[str, tuple[int, float, int, int]], premium: bool,
           generations: tuple[str, ...] = BOTH) -> dict[str, SizeFigures]:
    """Sizes whose names do not follow the vCPU count: name -> (cores, memory GB, temp disk GB, data disks)."""
    return {name: (cores, int(memory * 1024), temp * 1024, disks, premium, generations)
            for name, (cores, memory, temp, disks) in table.items()}


SIZES: dict[str, SizeFigures] = {
    # A: basic and general purpose (Gen1)
    **_named({"Standard_A0": (1, 0.75, 20, 1), "Standard_A1": (1, 1.75, 70, 2), "Standard_A2": (2, 3.5, 135, 4),
              "Standard_A3": (4, 7, 285, 8), "Standard_A4": (8, 14, 605, 16), "Standard_A5": (2, 14, 135, 4),
              "Standard_A6": (4, 28, 285, 8), "Standard_A7": (8, 56, 605, 16), "Basic_A0": (1, 0.75, 20, 1),
              "Basic_A1": (1, 1.75, 40, 2), "Basic_A2": (2, 3.5, 60, 4), "Basic_A3": (4, 7, 120, 8),
              "Basic_A4": (8, 14, 240, 16)}, False, ("V1",)),
    **_series("Standard_A{n}_v2", (1, 2, 4, 8), 2, 10, 2, False, ("V1",)),
    **_named({"Standard_A2m_v2": (2, 16, 20, 4), "Standard_A4m_v2": (4, 32, 40, 8),
              "Standard_A8m_v2": (8, 64, 80, 16)}, False, ("V1",)),
    # B: burstable
    **_named({"Standard_B1ls": (1, 0.5, 4, 2), "Standard_B1s": (1, 1, 4, 2), "Standard_B1ms": (1, 2, 4, 2),
              "Standard_B2s": (2, 4, 8, 4), "Standard_B2ms": (2, 8, 16, 4), "Standard_B4ms": (4, 16, 32, 8),
              "Standard_B8ms": (8, 32, 64, 16), "Standard_B12ms": (12, 48, 96, 16), "Standard_B16ms": (16, 64, 128, 32),
              "Standard_B20ms": (20, 80, 160, 32)}, True),
    **_named({"Standard_B2ats_v2": (2, 1, 0, 4), "Standard_B2als_v2": (2, 4, 0, 4), "Standard_B2as_v2": (2, 8, 0, 4),
              "Standard_B4als_v2": (4, 8, 0, 8), "Standard_B4as_v2": (4, 16, 0, 8), "Standard_B2ts_v2": (2, 1, 0, 4),
              "Standard_B2ls_v2": (2, 4, 0, 4), "Standard_B2s_v2": (2, 8, 0, 4), "Standard_B4ls_v2": (4, 8, 0, 8),
              "Standard_B4s_v2": (4, 16, 0, 8), "Standard_B8s_v2": (8, 32, 0, 16), "Standard_B16s_v2": (16, 64, 0, 32)},
             True),
    **_named({"Standard_B2pts_v2": (2, 1, 0, 4), "Standard_B2pls_v2": (2, 4, 0, 4), "Standard_B2ps_v2": (2, 8, 0, 4),
              "Standard_B4pls_v2": (4, 8, 0, 8), "Standard_B4ps_v2": (4, 16, 0, 8)}, True, GEN2),
    # D v2, DS v2 and the memory-optimized D11-D15 v2
    **_named({"Standard_D1_v2": (1, 3.5, 50, 4), "Standard_D2_v2": (2, 7, 100, 8), "Standard_D3_v2": (4, 14, 200, 16),
              "Standard_D4_v2": (8, 28, 400, 32), "Standard_D5_v2": (16, 56, 800, 64),
              "Standard_D11_v2": (2, 14, 100, 8), "Standard_D12_v2": (4, 28, 200, 16),
              "Standard_D13_v2": (8, 56, 400, 32), "Standard_D14_v2": (16, 112, 800, 64),
              "Standard_D15_v2": (20, 140, 1000, 64)}, False),
    **_named({"Standard_DS1_v2": (1, 3.5, 7, 4), "Standard_DS2_v2": (2, 7, 14, 8), "Standard_DS3_v2": (4, 14, 28, 16),
              "Standard_DS4_v2": (8, 28, 56, 32), "Standard_DS5_v2": (16, 56, 112, 64),
              "Standard_DS11_v2": (2, 14, 28, 8), "Standard_DS12_v2": (4, 28, 56, 16),
              "Standard_DS13_v2": (8, 56, 112, 32), "Standard_DS14_v2": (16, 112, 224, 64),
              "Standard_DS15_v2": (20, 140, 280, 64)}, True),
    # F, Fs, Fs v2: compute optimized
    **_series("Standard_F{n}", (1, 2, 4, 8, 16), 2, 16, 4, False),
    **_series("Standard_F{n}s", (1, 2, 4, 8, 16), 2, 4, 4, True),
    **_series("Standard_F{n}s_v2", (2, 4, 8, 16, 32, 48, 64, 72), 2, 8, 2, True, max_disks=32),
    # D v3 / Ds v3
    **_series("Standard_D{n}_v3", (2, 4, 8, 16, 32, 48, 64), 4, 25, 2, False, max_disks=32),
    **_series("Standard_D{n}s_v3", (2, 4, 8, 16, 32, 48, 64), 4, 8, 2, True, max_disks=32),
    # D v4 / v5: no temp disk; d: with a temp disk; a: AMD; p: Arm64 (Gen2 only)
    **_series("Standard_D{n}_v4", (2, 4, 8, 16, 32, 48, 64), 4, 0, 2, False, max_disks=32),
    **_series("Standard_D{n}s_v4", (2, 4, 8, 16, 32, 48, 64), 4, 0, 2, True, max_disks=32),
    **_series("Standard_D{n}d_v4", (2, 4, 8, 16, 32, 48, 64), 4, 37.5, 2, False, max_disks=32),
    **_series("Standard_D{n}ds_v4", (2, 4, 8, 16, 32, 48, 64), 4, 37.5, 2, True, max_disks=32),
    **_series("Standard_D{n}as_v4", (2, 4, 8, 16, 32, 48, 64, 96), 4, 8, 2, True, max_disks=32),
    **_series("Standard_D{n}_v5", (2, 4, 8, 16, 32, 48, 64, 96), 4, 0, 2, False, max_disks=32),
    **_series("Standard_D{n}s_v5", (2, 4, 8, 16, 32, 48, 64, 96), 4, 0, 2, True, max_disks=32),
    **_series("Standard_D{n}d_v5", (2, 4, 8, 16, 32, 48, 64, 96), 4, 37.5, 2, False, max_disks=32),
    **_series("Standard_D{n}ds_v5", (2, 4, 8, 16, 32, 48, 64, 96), 4, 37.5, 2, True, max_disks=32),
    **_series("Standard_D{n}as_v5", (2, 4, 8, 16, 32, 48, 64, 96), 4, 0, 2, True, max_disks=32),
    **_series("Standard_D{n}ads_v5", (2, 4, 8, 16, 32, 48, 64, 96), 4, 37.5, 2, True, max_disks=32),
    **_series("Standard_D{n}ls_v5", (2, 4, 8, 16, 32, 48, 64, 96), 2, 0, 2, True, max_disks=32),
    **_series("Standard_D{n}ps_v5", (2, 4, 8, 16, 32, 48, 64), 4, 0, 2, True, GEN2, max_disks=32),
    **_series("Standard_D{n}pds_v5", (2, 4, 8, 16, 32, 48, 64), 4, 37.5, 2, True, GEN2, max_disks=32),
    # D v6: Gen2 only
    **_series("Standard_D{n}s_v6", (2, 4, 8, 16, 32, 48, 64, 96, 128), 4, 0, 4, True, GEN2),
    **_series("Standard_D{n}ds_v6", (2, 4, 8, 16, 32, 48, 64, 96, 128), 4, 55, 4, True, GEN2),
    **_series("Standard_D{n}ls_v6", (2, 4, 8, 16, 32, 48, 64, 96, 128), 2, 0, 4, True, GEN2),
    **_series("Standard_D{n}as_v6", (2, 4, 8, 16, 32, 48, 64, 96), 4, 0, 4, True, GEN2),
    **_series("Standard_D{n}ps_v6", (2, 4, 8, 16, 32, 48, 64, 96), 4, 0, 4, True, GEN2),
    # E: memory optimized
    **_series("Standard_E{n}_v3", (2, 4, 8, 16, 20, 32, 48, 64), 8, 25, 2, False, max_disks=32),
    **_series("Standard_E{n}s_v3", (2, 4, 8, 16, 20, 32, 48, 64), 8, 16, 2, True, max_disks=32),
    **_series("Standard_E{n}_v4", (2, 4, 8, 16, 20, 32, 48, 64), 8, 0, 2, False, max_disks=32),
    **_series("Standard_E{n}s_v4", (2, 4, 8, 16, 20, 32, 48, 64), 8, 0, 2, True, max_disks=32),
    **_series("Standard_E{n}ds_v4", (2, 4, 8, 16, 20, 32, 48, 64), 8, 37.5, 2, True, max_disks=32),
    **_series("Standard_E{n}_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96), 8, 0, 2, False, max_disks=32),
    **_series("Standard_E{n}s_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96), 8, 0, 2, True, max_disks=32),
    **_series("Standard_E{n}ds_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96), 8, 37.5, 2, True, max_disks=32),
    **_series("Standard_E{n}as_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96), 8, 0, 2, True, max_disks=32),
    **_series("Standard_E{n}ps_v5", (2, 4, 8, 16, 20, 32), 8, 0, 2, True, GEN2, max_disks=32),
    **_series("Standard_E{n}s_v6", (2, 4, 8, 16, 20, 32, 48, 64, 96, 128), 8, 0, 4, True, GEN2),
    # L: storage optimized (large local NVMe)
    **_series("Standard_L{n}s_v2", (8, 16, 32, 48, 64, 80), 8, 10, 2, True, max_disks=32),
    **_series("Standard_L{n}s_v3", (8, 16, 32, 48, 64, 80), 8, 10, 2, True, max_disks=32),
}
# Arm64 sizes: a "p" right after the vCPU count (B2pts_v2, D4ps_v5, D8pds_v5, E2ps_v5, D2ps_v6)
ARM64_SIZES = frozenset(name for name in SIZES if re.match(r"^Standard_[A-Z]+\d+p", name))
