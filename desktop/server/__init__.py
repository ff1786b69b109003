"""The local OpenAI-compatible API: one more client of the app's engine, over HTTP. Qt-free.

Started by `gpt-oss-desktop serve`, or by the window through `hosted.HostedApi` (over the
window's own EngineService: one model for both): `ApiServer` runs a Starlette app under uvicorn on
its own thread, so it never blocks a window; requests queue on the EngineService with
Priority.API, behind the person at the keyboard.
"""
