"""The benchmark's synthetic data must be valid data of the real model: it conforms to the shapes (no
Violation), lands on the requested size, and the same seed always gives the same graph."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import synthetic  # noqa: E402

PG = "https://w3id.org/partnergraph/ontology#"
SIZE = 2_000


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(synthetic.generate_lines(SIZE, seed=0))


@pytest.fixture(scope="module")
def report(lines):
    from partnergraph.services.validation.validator import ShapesBundle, Validator

    bundle = ShapesBundle.from_resources()
    return Validator(bundle).validate(synthetic.generate(SIZE, seed=0))


def test_synthetic_data_has_no_violation(report):
    violations = [r for r in report.results if r.severity == "Violation"]
    assert not violations, "\n".join(
        f"{r.focus_node} {r.path_text} {r.source_shape}: {r.message}" for r in violations[:20])


def test_warnings_stay_a_minority_of_results(report, lines):
    assert report.count("Warning") < len(lines) / 20


@pytest.mark.parametrize("target", [synthetic.MIN_TRIPLES, SIZE, 10_000, 50_000])
def test_size_lands_within_five_percent_and_triples_are_distinct(target):
    produced = list(synthetic.generate_lines(target, seed=3))
    assert abs(len(produced) - target) <= 0.05 * target
    assert len(set(produced)) == len(produced)


def test_targets_below_the_smallest_world_are_refused():
    with pytest.raises(ValueError):
        next(synthetic.generate_lines(synthetic.MIN_TRIPLES - 1))


def test_same_seed_gives_the_same_output_and_another_seed_does_not(lines):
    assert list(synthetic.generate_lines(SIZE, seed=0)) == lines
    assert list(synthetic.generate_lines(SIZE, seed=1)) != lines


def test_output_parses_as_n_triples_into_the_same_count(lines):
    triples = list(synthetic.generate(SIZE, seed=0))
    assert len(triples) == len(lines)


def test_every_agreement_subclass_and_domain_class_occurs(lines):
    types = collections.Counter(line.split(" ", 2)[2][:-3] for line in lines
                                if line.split(" ", 2)[1] == synthetic.A)
    for cls in ("CooperativeAgreement", "AsylumCooperativeAgreement", "LetterOfIntent", "MemorandumOfCooperation",
                "JointDeclaration", "Arrangement", "Signature", "StatusChange", "SovereignState",
                "GovernmentBody", "PostTenure", "SourceDocument", "Place", "Framework",
                "FrameworkParticipation", "Policy", "Partnership", "NewsOrganization", "InternationalOrganization"):
        assert types[f"<{PG}{cls}>"] > 0, cls


def test_iris_are_synthetic(lines):
    for line in lines:
        subject = line.split(" ", 1)[0]
        assert subject.startswith("<https://w3id.org/partnergraph/id/"), subject
        assert "/syn-" in subject, subject
