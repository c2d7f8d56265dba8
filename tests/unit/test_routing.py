"""Input topics → routes: `crm.cdc.<table>`, and Debezium's own names through a topic pattern."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from streams.routing import Route, Router, TopicPattern, subscription
from streams.settings import WorkerSettings


def settings(**kw: object) -> WorkerSettings:
    return WorkerSettings(cdc_tables=("contacts", "tickets"), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "wildcards"),
    [
        ("{server}.{schema}.{table}", True),
        ("crm.public.{table}", False),
        ("{tenant}.public.{table}", True),
        ("crm.{tenant}.{table}", True),
        ("{table}", False),
        ("cdc-{table}-v1", False),
    ],
)
def test_valid_patterns(pattern: str, wildcards: bool) -> None:
    assert TopicPattern.parse(pattern).wildcards is wildcards


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("crm.public.contacts", "{table} exactly once"),
        ("{table}.{table}", "{table} exactly once"),
        ("{tenant}.{tenant}.{table}", "at most once"),
        ("{server}{table}", "separator"),
        ("crm public.{table}", "letters, digits"),
        ("crm.{Table}", "placeholders"),
        ("crm.{table", "placeholders"),
    ],
)
def test_invalid_patterns_say_why(pattern: str, why: str) -> None:
    with pytest.raises(ValueError, match=re.escape(why)):
        TopicPattern.parse(pattern)


def test_an_invalid_pattern_is_a_settings_error_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="cdc_topic_pattern"):
        settings(cdc_topic_pattern="crm.public.contacts")


def test_wildcards_need_the_aiokafka_engine() -> None:
    with pytest.raises(ValidationError, match="VEILSTREAM_ENGINE=aiokafka"):
        settings(cdc_topic_pattern="{server}.{schema}.{table}", engine="faust")
    assert settings(cdc_topic_pattern="crm.public.{table}", engine="faust").cdc_topic("contacts") == (
        "crm.public.contacts"
    )


ROUTES = [
    # (pattern, topic, route or None)
    (None, "crm.cdc.contacts", Route("cdc", "masked.crm.contacts", "contacts")),
    (None, "crm.public.contacts", None),
    (None, "support.messages", Route("message", "masked.support.messages")),
    ("crm.public.{table}", "crm.public.tickets", Route("cdc", "masked.crm.tickets", "tickets")),
    ("crm.public.{table}", "crm.cdc.tickets", None),
    ("{server}.{schema}.{table}", "crm.public.contacts", Route("cdc", "masked.crm.contacts", "contacts")),
    ("{server}.{schema}.{table}", "eu-1.sales_v2.tickets", Route("cdc", "masked.crm.tickets", "tickets")),
    ("{server}.{schema}.{table}", "crm.public.orders", None),  # not a CDC table of the settings
    ("{server}.{schema}.{table}", "crm.contacts", None),
    ("{server}.{schema}.{table}", "a.crm.public.contacts", None),
    ("{server}.{schema}.{table}", "masked.crm.contacts", None),  # the worker's own output
    ("{server}.{schema}.{table}", "support.messages", Route("message", "masked.support.messages")),
    (
        "{tenant}.public.{table}",
        "acme.public.contacts",
        Route("cdc", "masked.crm.contacts", "contacts", "acme"),
    ),
    ("crm.{tenant}.{table}", "crm.globex.tickets", Route("cdc", "masked.crm.tickets", "tickets", "globex")),
    ("{tenant}.public.{table}", "-x.public.contacts", None),  # not a tenant id
]


@pytest.mark.parametrize(("pattern", "topic", "route"), ROUTES)
def test_routes(pattern: str | None, topic: str, route: Route | None) -> None:
    router = Router(settings(cdc_topic_pattern=pattern))
    assert router.route(topic) == route
    assert router.route(topic) == route  # cached


@pytest.mark.parametrize(("pattern", "topic", "route"), ROUTES)
def test_the_subscription_reads_exactly_the_routed_topics(
    pattern: str | None, topic: str, route: Route | None
) -> None:
    wanted = subscription(settings(cdc_topic_pattern=pattern), "mask")
    if wanted.pattern is None:
        assert (topic in wanted.topics) is (route is not None)
    else:  # aiokafka compiles it with `re` and matches topic names from their start
        assert wanted.topics == ()
        assert (re.compile(wanted.pattern).match(topic) is not None) is (route is not None)


def test_the_unmask_role_reads_its_requests_only() -> None:
    wanted = subscription(settings(cdc_topic_pattern="{server}.{schema}.{table}"), "unmask")
    assert wanted.topics == ("veilstream.unmask.requests",) and wanted.pattern is None


def test_topics_create_makes_the_named_inputs_only() -> None:
    named = settings(cdc_topic_pattern="crm.public.{table}").all_topics()
    assert named[:3] == ["crm.public.contacts", "crm.public.tickets", "support.messages"]
    wild = settings(cdc_topic_pattern="{server}.{schema}.{table}").all_topics()
    assert wild[0] == "support.messages" and "masked.crm.contacts" in wild
    with pytest.raises(ValueError, match="no single topic"):
        settings(cdc_topic_pattern="{server}.{schema}.{table}").cdc_topic("contacts")


def test_under_prefix_moves_the_pattern_too() -> None:
    moved = settings(cdc_topic_pattern="{tenant}.public.{table}").under_prefix("t1")
    router = Router(moved)
    assert router.route("t1.acme.public.contacts") == Route(
        "cdc", "t1.masked.crm.contacts", "contacts", "acme"
    )
    assert router.route("acme.public.contacts") is None
