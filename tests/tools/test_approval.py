"""Approval: once asks again next time, always does not, deny refuses, nobody to ask refuses."""

from __future__ import annotations

from desktop.tools.approval import Decision, ToolApproval


def test_once_always_deny() -> None:
    answers = iter([Decision.ONCE, Decision.ALWAYS, Decision.DENY])
    asked: list[str] = []
    approve = ToolApproval(lambda name, args: asked.append(name) or next(answers))
    assert approve("a", {}) is True
    assert approve("a", {}) is True  # asked again: "once" was for one call
    assert approve("a", {}) is True  # "always" remembered, not asked
    assert approve("b", {}) is False
    assert asked == ["a", "a", "b"]


def test_nobody_to_ask_refuses_unless_all_approved() -> None:
    assert ToolApproval(None)("a", {}) is False
    assert ToolApproval(None, approve_all=True)("a", {}) is True
