"""The feature lifecycle (issue 18 item 5): a feature registered on the `Registry` hears `start`,
`published` (with the version published) and `close` once each, in that order, whether the app
owns its store or was handed one; a feature that fails to start stops the start-up."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.features import Feature
from registry.store import open_store
from registry.web.app import create_app

VOCAB = (Path(__file__).resolve().parent / "foundation" / "data" / "techniques-1.0.0.ttl").read_bytes()

VERSIONS = "SELECT ?v WHERE { GRAPH ?v { ?v <http://www.w3.org/ns/dcat#version> ?n } }"


class Probe(Feature):
    """Writes down what the registry tells it."""

    def __init__(self, events: list[tuple], name: str = "probe") -> None:
        self.events = events
        self.name = name

    def start(self) -> None:
        self.events.append((self.name, "start"))

    def published(self, result) -> None:
        self.events.append((self.name, "published", result.kind, result.id, result.version, result.status))

    def close(self) -> None:
        self.events.append((self.name, "close"))


class FailingStart(Probe):
    def start(self) -> None:
        self.events.append((self.name, "start"))
        raise RuntimeError("the probe cannot start")


def _publish_and_add_a_feature(app, actors, events: list[tuple]) -> None:
    with TestClient(app) as client:
        assert events == [("probe", "start")]  # made before the start, started once it ran
        headers = {"Content-Type": "text/turtle", **actors.test}
        answer = client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers=headers)
        assert answer.status_code == 201, answer.text
        # a feature made while the registry runs starts at once, and hears what comes after
        late = app.state.registry.feature("late", lambda registry: Probe(events, "late"))
        assert app.state.registry.feature("late", lambda registry: Probe(events, "again")) is late
        changed = VOCAB.replace(b'"TEM"@en', b'"TEM"@en, "CTEM"@en')
        answer = client.put("/vocabularies/techniques/versions/1.1.0", content=changed, headers=headers)
        assert answer.status_code == 201, answer.text


EXPECTED = [
    ("probe", "start"),
    ("probe", "published", "vocabulary", "techniques", "1.0.0", "published"),
    ("late", "start"),
    ("probe", "published", "vocabulary", "techniques", "1.1.0", "published"),
    ("late", "published", "vocabulary", "techniques", "1.1.0", "published"),
    ("late", "close"),  # last made, first closed
    ("probe", "close"),
]


def test_a_feature_hears_start_published_close_once_on_an_app_owning_its_store(app_with_actors, settings):
    app, actors = app_with_actors
    events: list[tuple] = []
    app.state.startup_features["probe"] = lambda registry: Probe(events)
    _publish_and_add_a_feature(app, actors, events)
    assert events == EXPECTED
    # the app closed its own store: another process (here, a new store) may open it again
    again = open_store(settings)
    try:
        assert len(again.select(VERSIONS, union_default_graph=True)) == 2
    finally:
        again.close()


def test_a_feature_hears_start_published_close_once_on_a_store_handed_over(app_with_actors, settings):
    _, actors = app_with_actors
    store = open_store(settings)
    try:
        app = create_app(settings, store=store)
        events: list[tuple] = []
        app.state.startup_features["probe"] = lambda registry: Probe(events)
        _publish_and_add_a_feature(app, actors, events)
        assert events == EXPECTED
        # the caller's store stays open for the caller, with what the app published in it
        assert len(store.select(VERSIONS, union_default_graph=True)) == 2
    finally:
        store.close()


def test_a_feature_that_fails_to_start_stops_the_start_up(app_with_actors, caplog):
    app, _ = app_with_actors
    events: list[tuple] = []
    app.state.startup_features["probe"] = lambda registry: Probe(events)
    app.state.startup_features["broken"] = lambda registry: FailingStart(events, "broken")
    with caplog.at_level(logging.ERROR, logger="registry.features"):
        with pytest.raises(RuntimeError, match="the probe cannot start") as raised:
            with TestClient(app):
                pytest.fail("the app served although a feature failed to start")
    assert "while starting the registry feature 'broken'" in raised.value.__notes__
    assert any("'broken' failed to start" in r.getMessage() for r in caplog.records)
    # the features made were closed once (the one that started too), nothing was published
    assert events == [("probe", "start"), ("broken", "start"), ("broken", "close"), ("probe", "close")]
