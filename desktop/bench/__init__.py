"""Benchmarks behind `gpt-oss-desktop bench`: figures printed side by side, measured in one run."""
