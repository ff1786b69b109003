"""Settings → Local API as the server's configuration: loopback unless the person opts into the
network, which always takes the key; CORS only for listed origins; the limits as set."""

from __future__ import annotations

import pytest

from desktop.server.state import ServerConfig, parse_origins
from desktop.settings import ApiSettings


def test_this_computer_only_binds_loopback_and_may_go_without_a_key() -> None:
    config = ServerConfig.from_settings(ApiSettings(access="local", key="off", port=8123), "sk-local-x")
    assert (config.host, config.port, config.api_key, config.cors_origins) == ("127.0.0.1", 8123, None, ())
    assert ServerConfig.from_settings(ApiSettings(access="local"), "sk-local-x").api_key == "sk-local-x"


def test_the_network_always_takes_the_key_even_when_it_is_turned_off() -> None:
    config = ServerConfig.from_settings(ApiSettings(access="network", key="off"), "sk-local-x")
    assert config.host == "0.0.0.0" and config.api_key == "sk-local-x"
    with pytest.raises(ValueError, match="needs an API key"):
        ServerConfig.from_settings(ApiSettings(access="network", key="off"), None)


def test_limits_and_origins_come_from_the_settings() -> None:
    config = ServerConfig.from_settings(
        ApiSettings(access="local", max_body_mb=2, max_connections=3,
                    cors_origins="http://localhost:3000, https://notes.example:8443/ http://[::1]:5173"), "k")
    assert config.max_body_bytes == 2 * 1024 * 1024 and config.max_connections == 3
    assert config.cors_origins == ("http://localhost:3000", "https://notes.example:8443", "http://[::1]:5173")


@pytest.mark.parametrize(("text", "message"), [
    ("*", "every web page"),
    ("localhost:3000", "'localhost:3000' is not a web page origin"),
    ("http://localhost:3000/app", "'http://localhost:3000/app' is not a web page origin"),
    ("file:///tmp/x.html", "is not a web page origin"),
])
def test_what_is_not_an_origin_is_refused_in_one_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_origins(text)
