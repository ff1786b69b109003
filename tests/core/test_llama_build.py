"""The build check that keeps a llama.cpp build with an exported C++ runtime from crashing the app.

Such libraries are made here the way the crashing CUDA build was made (a toolchain that links the
C++ runtime statically into each shared library) and the way the fixed build is made
(`-Wl,--exclude-libs,ALL`), with the system compiler. The check reads symbol tables only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.llama_build import exports_cxx_runtime, offending_libraries

SOURCE = """
#include <regex>
#include <string>
extern "C" int tokenize_like_llama(const char* text) {
    return std::regex_search(std::string(text), std::regex("[[:alpha:]]+")) ? 1 : 0;
}
"""
ROOT = Path(__file__).resolve().parents[2]


def _compile(folder: Path, name: str, *flags: str) -> Path:
    source = folder / "tokenize.cpp"
    source.write_text(SOURCE)
    out = folder / name
    subprocess.run(["g++", "-shared", "-fPIC", *flags, str(source), "-o", str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    assert shutil.which("g++"), "the tests need a C++ compiler (the README's set-up installs one)"
    folder = tmp_path_factory.mktemp("libs")
    return {
        "exported": _compile(folder, "libggml-cuda.so.0", "-static-libstdc++"),
        "private": _compile(folder, "libggml-private.so.0", "-static-libstdc++", "-Wl,--exclude-libs,ALL"),
        "shared": _compile(folder, "libggml-shared.so.0"),
    }


def test_a_library_exporting_its_own_cxx_runtime_is_found(libraries: dict[str, Path]) -> None:
    assert exports_cxx_runtime(libraries["exported"])


def test_the_fixed_link_flag_and_an_ordinary_build_pass(libraries: dict[str, Path]) -> None:
    assert not exports_cxx_runtime(libraries["private"])
    assert not exports_cxx_runtime(libraries["shared"])


def test_the_installed_llama_cpp_build_passes() -> None:
    import llama_cpp

    assert offending_libraries(Path(llama_cpp.__file__).parent / "lib") == []


def test_the_app_refuses_such_a_build_with_the_command_that_fixes_it(libraries: dict[str, Path], tmp_path: Path) -> None:
    # A llama_cpp package whose lib/ holds the exported runtime, first on the path of a fresh process.
    package = tmp_path / "site" / "llama_cpp"
    (package / "lib").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copy(libraries["exported"], package / "lib" / "libggml-cuda.so.0")
    shutil.copy(libraries["shared"], package / "lib" / "libllama.so")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "desktop.core.llama_build"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "libggml-cuda.so.0" in done.stdout and "libllama.so" not in done.stdout
    assert "-Wl,--exclude-libs,ALL" in done.stdout
    assert "Traceback" not in done.stderr


def test_files_that_are_not_elf_are_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "libnotes.so").write_bytes(b"not an ELF file at all" * 10)
    assert offending_libraries(tmp_path) == []
