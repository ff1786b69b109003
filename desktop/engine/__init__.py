"""The engine: one model, many clients (window, CLI, API server, tools). Qt-free.

EngineService queues requests in front of a ChatBackend; TurnSession runs one conversation turn
on it and keeps the conversation store up to date.
"""
