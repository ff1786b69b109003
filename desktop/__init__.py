"""gpt-oss-desktop: private, offline chat with gpt-oss in-process."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gpt-oss-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
