"""The one way into llama-cpp-python: check its build before the first model loads.

Some CUDA builds of llama.cpp crash the process while loading any model's vocabulary. Seen on a
Linux GPU machine (Ubuntu 24.04, GCC 13, CUDA 13): `libggml-cuda.so` came out of the build with
the C++ standard library linked into it statically *and exported*. `libllama.so` is linked with
`--as-needed` after it, so it takes its C++ runtime (locale, facets, iostreams) from
`libggml-cuda.so` and records no dependency on `libstdc++.so.6` at all. That works until the
system's `libstdc++.so.6` is already in the process when llama.cpp loads (numpy, the `gguf`
package, sentencepiece and Qt all bring it): facet ids such as `std::collate<char>::id` are
"unique" symbols, which the dynamic linker binds process-wide to the first copy loaded, while the
rest of the locale machinery binds to the copy inside `libggml-cuda.so`. `std::regex` (used by
the tokenizer) then looks a facet up in the wrong table and calls a wrong virtual function:
SIGSEGV in `llama_vocab::impl::load`. Importing `llama_cpp` first only hides it.

The cure is in the build: link the shared libraries with `-Wl,--exclude-libs,ALL`, so whatever
comes from a static archive stays private to the library that holds it (README: GPU builds).
This module reads the dynamic symbol tables of the installed libraries (plain ELF parsing, no
loading) and refuses such a build with that command instead of letting it crash the app.
"""

from __future__ import annotations

import importlib.util
import mmap
import struct
from functools import cache
from pathlib import Path
from types import ModuleType

from desktop.core.errors import UserError

# Non-template members of std::locale: defined only by a copy of the C++ runtime itself, never by
# template instantiations that ordinary C++ libraries legitimately export.
_RUNTIME_SYMBOLS = frozenset({b"_ZNSt6locale7classicEv", b"_ZNSt6locale2id5_M_idEv"})
_CXX_RUNTIMES = ("libstdc++", "libc++")

REBUILD_HINT = ('CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--exclude-libs,ALL" '
                "uv sync --reinstall-package llama-cpp-python")


def exports_cxx_runtime(path: Path) -> bool:
    """True when the ELF shared library at `path` defines and exports the C++ runtime's own symbols."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as elf:
        return bool(_RUNTIME_SYMBOLS & set(_exported_names(elf)))


def _exported_names(elf: mmap.mmap) -> list[bytes]:
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:  # 64-bit little-endian only (x86-64, arm64)
        return []
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    names: list[bytes] = []
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11 or not entsize:  # SHT_DYNSYM
            continue
        strtab_offset = sections[link][4]
        for index in range(1, size // entsize):
            st_name, st_info, _other, st_shndx = struct.unpack_from("<IBBH", elf, offset + index * entsize)
            binding = st_info >> 4
            if st_shndx != 0 and binding in (1, 2, 10):  # defined; GLOBAL, WEAK or GNU_UNIQUE
                end = elf.find(b"\0", strtab_offset + st_name)
                names.append(elf[strtab_offset + st_name:end])
    return names


def offending_libraries(lib_dir: Path) -> list[str]:
    """llama.cpp's own libraries in `lib_dir` that carry an exported copy of the C++ runtime."""
    found = []
    for path in sorted(lib_dir.glob("lib*.so*")):
        if path.is_file() and not path.name.startswith(_CXX_RUNTIMES) and exports_cxx_runtime(path):
            found.append(path.name)
    return found


@cache
def _checked_lib_dir() -> Path | None:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    lib_dir = Path(next(iter(spec.submodule_search_locations))) / "lib"
    bad = offending_libraries(lib_dir) if lib_dir.is_dir() else []
    if bad:
        raise UserError(
            f"This llama.cpp build cannot load models safely: {', '.join(bad)} carries its own exported "
            f"copy of the C++ runtime, which crashes the app while a model loads. Rebuild it with: {REBUILD_HINT}")
    return lib_dir


def load_llama_cpp() -> ModuleType:
    """Import llama_cpp after checking its build once per process (lazily: it is slow to load)."""
    _checked_lib_dir()
    import llama_cpp

    return llama_cpp


def main() -> int:
    """`python -m desktop.core.llama_build`: check the installed build (used by the GPU build script)."""
    try:
        lib_dir = _checked_lib_dir()
    except UserError as exc:
        print(exc)
        return 1
    if lib_dir is None:
        print("llama-cpp-python is not installed in this Python environment")
        return 1
    print(f"llama.cpp build at {lib_dir}: no library exports the C++ runtime")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
