"""How the app decides to load a model: the fit planner's verdict becomes llama.cpp options."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.chat import plan_load
from desktop.core.errors import UserError
from desktop.core.hardware import probe
from desktop.paths import AppPaths
from desktop.settings import Settings
from tests.core.test_hardware import cpu_laptop_16gb, laptop_rtx_8gb, sources


def test_auto_on_a_gpu_offloads_and_cpu_only_stays_on_cpu(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path).ensure()
    on_gpu, plan = plan_load(tiny_gpt_oss, Settings(), paths, probe=lambda d: probe(d, laptop_rtx_8gb()))
    assert on_gpu.n_gpu_layers == plan.offloadable_layers and plan.label == "fits on GPU"
    on_cpu, plan = plan_load(tiny_gpt_oss, Settings(), paths, probe=lambda d: probe(d, cpu_laptop_16gb()))
    assert on_cpu.n_gpu_layers == 0 and plan.label == "CPU only"


def test_experts_in_ram_keeps_every_layer_on_the_gpu(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path).ensure()
    settings = Settings().with_section("model", experts="ram")
    options, plan = plan_load(tiny_gpt_oss, settings, paths, probe=lambda d: probe(d, laptop_rtx_8gb()))
    assert options.experts_on_cpu and options.n_gpu_layers == -1
    assert "MoE experts in RAM" in plan.notes[-1]
    # Without a usable GPU the setting changes nothing.
    options, _ = plan_load(tiny_gpt_oss, settings, paths, probe=lambda d: probe(d, cpu_laptop_16gb()))
    assert not options.experts_on_cpu and options.n_gpu_layers == 0


def test_a_model_that_cannot_fit_is_refused_with_the_numbers(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path).ensure()
    # 1 GiB of RAM leaves nothing once the system's reserve is set aside.
    tiny_machine = lambda d: probe(d, sources(ram=1 * 2**30))  # noqa: E731
    with pytest.raises(UserError, match=r"Not enough memory for tiny-gpt-oss.gguf: won't fit · RAM"):
        plan_load(tiny_gpt_oss, Settings(), paths, probe=tiny_machine)
