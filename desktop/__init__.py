"""gpt-oss-desktop: private, offline chat with gpt-oss in-process."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata on first use: importlib.metadata costs tens
    # of milliseconds that the window's first frame should not pay.
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("gpt-oss-desktop")
    except PackageNotFoundError:  # running from a source tree that was never installed
        value = "0.0.0+unknown"
    globals()["__version__"] = value
    return value
