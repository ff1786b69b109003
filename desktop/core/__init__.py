"""The domain: Qt-free services (a test enforces that nothing here imports Qt)."""
