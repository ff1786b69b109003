"""Tools gpt-oss can call: function definitions rendered as harmony expects, MCP servers, approval.

Qt-free, like the core: the window, `ask` and the API server share it.
"""
