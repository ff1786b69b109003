"""A call the model got wrong becomes a clear message for the model, never an exception."""

from __future__ import annotations

from desktop.tools.calls import CallError, ReadCall, read_call

KNOWN = {"get_weather", "time__get_current_time"}


def test_call_with_json_arguments() -> None:
    assert read_call("functions.get_weather", '{"city": "Paris"}', KNOWN) == ReadCall("get_weather", {"city": "Paris"})


def test_namespace_left_out_and_json_in_a_code_fence() -> None:
    assert read_call("get_weather", '```json\n{"city": "Paris"}\n```', KNOWN) == ReadCall("get_weather", {"city": "Paris"})


def test_empty_arguments_are_no_arguments() -> None:
    assert read_call("functions.get_weather", "  ", KNOWN) == ReadCall("get_weather", {})


def test_arguments_that_are_not_json_explain_what_to_send() -> None:
    result = read_call("functions.get_weather", "{city: Paris", KNOWN)
    assert isinstance(result, CallError)
    assert "not valid" in result.message and "JSON object" in result.message and "\n" not in result.message


def test_arguments_that_are_json_but_not_an_object() -> None:
    result = read_call("functions.get_weather", '["Paris"]', KNOWN)
    assert isinstance(result, CallError) and "expected a JSON object, got list" in result.message


def test_unknown_function_lists_the_ones_there_are() -> None:
    result = read_call("functions.get_wether", "{}", KNOWN)
    assert isinstance(result, CallError)
    assert "get_weather, time__get_current_time" in result.message
