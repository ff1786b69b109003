"""The browser tool's section of the system message, byte for byte as openai-harmony renders its
built-in browser tool (its reference test data), and browser calls re-rendered as the model wrote them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from desktop.core.harmony import CallMessage, StreamParser, ToolCall, ToolResultMessage, render_prompt
from desktop.tools.browser import LIBRARY_SOURCES, REFERENCE_SOURCES, system_section
from desktop.tools.functions import FunctionTool

REFERENCE = Path(__file__).parents[1] / "fixtures" / "harmony"
DAY = date(2025, 6, 28)
WEATHER = FunctionTool(
    "lookup_weather",
    "Use this tool to lookup the weather in a given location. Call it with the parameter 'location', can be any "
    "textual description of a location.",
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]})


def _reference(name: str) -> str:
    return (REFERENCE / name).read_text(encoding="utf-8").rstrip()  # as the reference tests read it


def test_browser_only_matches_reference_renderer() -> None:
    prompt = render_prompt((), today=DAY, system_tools=system_section(REFERENCE_SOURCES))
    assert prompt == _reference("test_browser_tool_only.txt")


def test_browser_and_functions_match_reference_renderer() -> None:
    prompt = render_prompt((), today=DAY, tools=[WEATHER], system_tools=system_section(REFERENCE_SOURCES))
    assert prompt == _reference("test_browser_and_function_tool.txt")


def test_the_app_names_the_library_as_the_source_and_changes_nothing_else() -> None:
    ours = render_prompt((), today=DAY, system_tools=system_section())
    assert ours == _reference("test_browser_tool_only.txt").replace(
        f"// sources={REFERENCE_SOURCES}", f"// sources={LIBRARY_SOURCES}")


def test_a_browser_call_on_analysis_is_read_and_rendered_back_on_analysis() -> None:
    parser = StreamParser()
    parser.feed('<|channel|>analysis to=browser.search code<|message|>{"query":"defrost"}<|call|>')
    parser.finish()
    assert parser.tool_calls == (ToolCall("browser.search", '{"query":"defrost"}', "", "analysis"),)
    call = CallMessage("browser.search", '{"query":"defrost"}', content_type="", channel="analysis")
    result = ToolResultMessage("browser.search", "[0] defrost\n**viewing lines [0 - 0] of 0**\n\nL0: x",
                               channel="analysis")
    assert call.render() == ('<|start|>assistant<|channel|>analysis to=browser.search<|message|>'
                             '{"query":"defrost"}<|call|>')
    assert result.render() == ("<|start|>browser.search to=assistant<|channel|>analysis<|message|>"
                               "[0] defrost\n**viewing lines [0 - 0] of 0**\n\nL0: x<|end|>")


def test_the_arguments_of_a_call_on_analysis_are_not_reasoning() -> None:
    parser = StreamParser()
    deltas = parser.feed('<|channel|>analysis<|message|>Look it up.<|end|><|start|>assistant<|channel|>analysis'
                         ' to=browser.search code<|message|>{"query":"defrost"}<|call|>')
    deltas += parser.finish()
    assert [(d.channel, d.text) for d in deltas] == [("analysis", "Look it up."),
                                                      ("commentary", '{"query":"defrost"}')]
