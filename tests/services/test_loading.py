"""Loading reports its phases: validation's steps, then each graph written with its count of triples."""

from __future__ import annotations

from partnergraph.services.loading import Loader, default_items, plan_load
from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator
from partnergraph.store.oxigraph.store import OxigraphStore


class Recorder:
    """A Progress that remembers what it was told."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int | None]] = []
        self.steps: dict[str, int] = {}

    def phase(self, text: str, total: int | None = None) -> None:
        self.phases.append((text, total))
        self.steps[text] = 0

    def advance(self, steps: int) -> None:
        self.steps[self.phases[-1][0]] += steps


def test_a_load_reports_validation_then_each_graph_with_its_triples():
    plan = plan_load(default_items())
    store = OxigraphStore()
    recorder = Recorder()
    outcome = Loader(store, ValidationService(store, Validator(ShapesBundle.from_resources()))).load(
        plan, progress=recorder)
    texts = [text for text, _ in recorder.phases]
    validating = [t for t in texts if t.startswith("validating: ")]
    assert validating[0] == "validating: reading the data"
    assert any("core shapes" in t for t in validating)
    assert validating[-1].endswith("SHACL-SPARQL rules (Oxigraph)")
    writing = [(text, total) for text, total in recorder.phases if text.startswith("writing ")]
    assert texts.index(writing[0][0]) > texts.index(validating[-1])
    assert {text.removeprefix("writing "): total for text, total in writing} == \
        {graph: len(triples) for graph, triples in plan.graphs.items()}
    assert all(recorder.steps[text] == total for text, total in writing)
    assert outcome.graphs == {graph: len(triples) for graph, triples in plan.graphs.items()}
    store.close()
