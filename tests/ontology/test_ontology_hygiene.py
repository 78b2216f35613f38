"""The ontology, its vocabularies, imports, alignments and shapes follow the project's modelling rules."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from pyshacl.entrypoints import meta_validate
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD
from rdflib.plugins.sparql import prepareQuery

REUSED_NAMESPACES = {"org": str(ORG), "time": str(TIME), "prov": str(PROV), "foaf": str(FOAF),
                     "skos": str(SKOS), "dct": str(DCTERMS)}
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}
SCHEMES = ["topic", "role", "status", "event-type", "participation-mode", "document-type", "framework-type"]


def _terms(graph: rdflib.Graph, namespace: str) -> set[rdflib.URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef) and str(s).startswith(namespace)}


def _iris(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {t for triple in graph for t in triple if isinstance(t, rdflib.URIRef)}


def _english(graph: rdflib.Graph, subject, predicate) -> list[rdflib.Literal]:
    return [o for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal) and o.language == "en"]


def _local(term: rdflib.URIRef, namespace) -> str:
    return str(term)[len(str(namespace)):]


# --- The ontology --------------------------------------------------------------------------------------------

def test_ontology_header_has_version_iri_and_metadata(core_ontology, onto):
    header = onto.ontology_iri
    assert (header, RDF.type, OWL.Ontology) in core_ontology
    assert core_ontology.value(header, OWL.versionIRI) == rdflib.URIRef(f"{header}/0.1.0")
    assert str(core_ontology.value(header, OWL.versionInfo)) == "0.1.0"
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, DCTERMS.created):
        assert core_ontology.value(header, predicate) is not None, f"the ontology header lacks {predicate}"


def test_every_pg_term_has_one_english_label_one_definition_and_is_defined_by_the_ontology(core_ontology, onto):
    terms = _terms(core_ontology, str(onto.pg))
    assert len(terms) > 50
    problems = []
    for term in sorted(terms):
        name = onto.curie(term)
        labels = list(core_ontology.objects(term, RDFS.label))
        if len(labels) != 1 or len(_english(core_ontology, term, RDFS.label)) != 1:
            problems.append(f"{name}: needs exactly one rdfs:label, in English")
        definitions = list(core_ontology.objects(term, SKOS.definition))
        english = _english(core_ontology, term, SKOS.definition)
        if len(definitions) != 1 or len(english) != 1:
            problems.append(f"{name}: needs exactly one skos:definition, in English")
        elif not (str(english[0])[0].isupper() and str(english[0]).endswith(".")):
            problems.append(f"{name}: the definition must be a sentence starting with a capital and ending with a period")
        if core_ontology.value(term, RDFS.isDefinedBy) != onto.ontology_iri:
            problems.append(f"{name}: needs rdfs:isDefinedBy <{onto.ontology_iri}>")
    assert not problems, "\n".join(problems)


def test_every_pg_term_is_a_class_or_a_typed_property(core_ontology, onto):
    for term in _terms(core_ontology, str(onto.pg)):
        types = set(core_ontology.objects(term, RDF.type))
        assert types & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}, f"{onto.curie(term)} has types {types}"
        assert not {OWL.ObjectProperty, OWL.DatatypeProperty} <= types, f"{onto.curie(term)} is typed twice"


def test_class_names_are_upper_camel_case_and_property_names_lower_camel_case(core_ontology, onto):
    for term in _terms(core_ontology, str(onto.pg)):
        local = _local(term, onto.pg)
        if (term, RDF.type, OWL.Class) in core_ontology:
            assert re.fullmatch(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*", local), f"class {local} is not UpperCamelCase"
        else:
            assert re.fullmatch(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)*", local), f"property {local} is not lowerCamelCase"


def test_domains_ranges_and_superclasses_are_declared_classes(ontology, onto):
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    datatypes = {XSD.string, XSD.boolean, XSD.date, XSD.gYearMonth, XSD.gYear}
    for predicate in (RDFS.domain, RDFS.range, RDFS.subClassOf):
        for subject, value in ontology.subject_objects(predicate):
            if not str(subject).startswith(str(onto.pg)):
                continue
            members = ([value] if isinstance(value, rdflib.URIRef) else
                       list(Collection(ontology, ontology.value(value, OWL.unionOf))))
            for member in members:
                assert member in classes or member in datatypes, (
                    f"{onto.curie(subject)} {onto.curie(predicate)} {onto.curie(member)}: not a declared class")


def test_pg_conflicts_with_is_symmetric_and_iso_codes_are_notations(core_ontology, onto):
    assert (onto.pg.conflictsWith, RDF.type, OWL.SymmetricProperty) in core_ontology
    for code in (onto.pg.isoAlpha2Code, onto.pg.isoAlpha3Code):
        assert (code, RDFS.subPropertyOf, SKOS.notation) in core_ontology


def test_every_pg_term_named_in_the_docs_is_declared(core_ontology, onto):
    named = set(re.findall(r"`pg:(\w+)`", onto.doc_file.read_text(encoding="utf-8")))
    declared = {_local(t, onto.pg) for t in _terms(core_ontology, str(onto.pg))}
    assert named, "docs/ontology.md names pg: terms"
    assert not named - declared, f"named in docs/ontology.md but not declared: {sorted(named - declared)}"
    assert not declared - named, f"declared but not documented in docs/ontology.md: {sorted(declared - named)}"


# --- Vocabularies --------------------------------------------------------------------------------------------

def test_every_concept_slug_listed_in_the_docs_exists(vocabularies, onto):
    text = onto.doc_file.read_text(encoding="utf-8")
    for scheme in SCHEMES:
        match = re.search(rf"^- `pgc:{scheme}`: (.*?)(?=^- `pgc:|^\s*$)", text, flags=re.M | re.S)
        assert match, f"docs/ontology.md lists no concepts for pgc:{scheme}"
        slugs = [re.sub(r"\(.*?\)", "", s).strip().rstrip(".").strip() for s in match.group(1).split(",")]
        for slug in filter(None, slugs):
            concept = onto.pgc[f"{scheme}/{slug}"]
            assert (concept, RDF.type, SKOS.Concept) in vocabularies, f"pgc:{scheme}/{slug} is not in the vocabulary"


def test_every_scheme_has_its_own_file_and_iri(vocabularies, onto):
    assert sorted(p.stem for p in onto.vocabulary_files) == sorted(SCHEMES)
    for scheme in SCHEMES:
        graph = onto.parse(onto.ontology_dir / "vocabularies" / f"{scheme}.ttl")
        assert set(graph.subjects(RDF.type, SKOS.ConceptScheme)) == {onto.pgc[scheme]}
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            assert graph.value(concept, SKOS.inScheme) == onto.pgc[scheme], f"{concept} is in another scheme"


def test_every_concept_has_a_label_a_definition_a_scheme_and_a_place_in_it(vocabularies, onto):
    problems = []
    for concept in sorted(vocabularies.subjects(RDF.type, SKOS.Concept)):
        scheme = vocabularies.value(concept, SKOS.inScheme)
        slug = str(concept)[len(str(scheme)) + 1:] if scheme else ""
        if not (scheme and str(concept).startswith(f"{scheme}/") and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)):
            problems.append(f"{concept}: IRI must be <scheme>/<kebab-case-slug>")
        if len(_english(vocabularies, concept, SKOS.prefLabel)) != 1:
            problems.append(f"{concept}: needs one English skos:prefLabel")
        definitions = _english(vocabularies, concept, SKOS.definition)
        if len(definitions) != 1 or not str(definitions[0]).endswith("."):
            problems.append(f"{concept}: needs one English skos:definition ending with a period")
        top = vocabularies.value(concept, SKOS.topConceptOf)
        broader = list(vocabularies.objects(concept, SKOS.broader))
        if top is None and not broader:
            problems.append(f"{concept}: needs skos:topConceptOf or skos:broader")
        if top is not None and (top != scheme or (scheme, SKOS.hasTopConcept, concept) not in vocabularies):
            problems.append(f"{concept}: skos:topConceptOf and skos:hasTopConcept of its scheme disagree")
        for parent in broader:
            if vocabularies.value(parent, SKOS.inScheme) != scheme:
                problems.append(f"{concept}: skos:broader {parent} is not in the same scheme")
    for scheme, concept in vocabularies.subject_objects(SKOS.hasTopConcept):
        if (concept, SKOS.topConceptOf, scheme) not in vocabularies:
            problems.append(f"{scheme} skos:hasTopConcept {concept}, which is not skos:topConceptOf it")
    assert not problems, "\n".join(problems)


# --- No undefined terms --------------------------------------------------------------------------------------

def _files_using_terms(onto):
    return ([onto.ontology_file, *onto.shape_files, *onto.vocabulary_files, *onto.alignment_files,
             *onto.valid_examples, *onto.invalid_examples, *onto.data_files])


def test_every_pg_and_pgc_term_used_anywhere_is_declared(core_ontology, vocabularies, onto):
    declared = _terms(core_ontology, str(onto.pg)) | _terms(vocabularies, str(onto.pgc))
    problems = []
    for path in _files_using_terms(onto):
        for iri in _iris(onto.parse(path)):
            if str(iri).startswith((str(onto.pg), str(onto.pgc))) and iri not in declared:
                problems.append(f"{path.relative_to(onto.root)}: {onto.curie(iri)} is not declared")
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_term_of_a_reused_vocabulary_is_in_the_vendored_imports(external, onto):
    declared = {s for s in external.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef)}
    problems = []
    for path in _files_using_terms(onto):
        for iri in _iris(onto.parse(path)):
            namespace = next((ns for ns in REUSED_NAMESPACES.values() if str(iri).startswith(ns)), None)
            if namespace and str(iri) != namespace and iri not in declared:
                problems.append(f"{path.relative_to(onto.root)}: {onto.curie(iri)} is not in ontology/imports/")
    assert not problems, "\n".join(sorted(set(problems)))


VOCABULARY_IRIS = {str(ORG): "http://www.w3.org/ns/org#", str(TIME): "http://www.w3.org/2006/time",
                   str(PROV): "http://www.w3.org/ns/prov-o#", str(FOAF): "http://xmlns.com/foaf/0.1/",
                   str(SKOS): "http://www.w3.org/2004/02/skos/core", str(DCTERMS): "http://purl.org/dc/terms/"}


def test_vendored_terms_have_a_label_and_are_defined_by_their_vocabulary(external):
    terms = {s for s in external.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef)}
    for term in terms:
        assert _english(external, term, RDFS.label), f"{term} has no English rdfs:label"
        namespace = next(ns for ns in VOCABULARY_IRIS if str(term).startswith(ns))
        assert str(external.value(term, RDFS.isDefinedBy)) == VOCABULARY_IRIS[namespace], (
            f"{term} needs rdfs:isDefinedBy <{VOCABULARY_IRIS[namespace]}>")


def test_vendored_class_hierarchy_reaches_the_classes_the_shapes_need(ontology, onto):
    def superclasses(cls):
        return set(ontology.transitive_objects(cls, RDFS.subClassOf))

    assert ORG.Organization in superclasses(onto.pg.SovereignState)
    assert FOAF.Agent in superclasses(onto.pg.GovernmentBody)
    assert FOAF.Agent in superclasses(FOAF.Person)
    assert ORG.Membership in superclasses(onto.pg.PostTenure)
    assert {PROV.Entity, FOAF.Document} <= superclasses(onto.pg.SourceDocument)
    assert onto.pg.Agreement in superclasses(onto.pg.AsylumCooperativeAgreement)
    assert onto.pg.Event in superclasses(onto.pg.StatusChange)
    assert TIME.Interval in superclasses(TIME.ProperInterval)
    assert SKOS.Concept in superclasses(ORG.Role)


def test_examples_and_data_use_no_blank_nodes(onto):
    for path in [*onto.valid_examples, *onto.invalid_examples, *onto.data_files]:
        graph = onto.parse(path)
        assert not any(isinstance(t, rdflib.BNode) for triple in graph for t in triple), f"{path.name} has blank nodes"


# --- Alignments ----------------------------------------------------------------------------------------------

ALIGNMENT_PREDICATES = {SKOS.closeMatch, SKOS.exactMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch,
                        RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
                        RDFS.comment, RDF.type, OWL.imports, DCTERMS.title, DCTERMS.description}


def test_alignments_only_map_declared_terms_with_mapping_properties(core_ontology, onto):
    assert {p.stem for p in onto.alignment_files} >= {"schema", "wikidata", "eli", "gist", "lkif"}
    assert (onto.ontology_dir / "alignments" / "README.md").exists()
    declared = _terms(core_ontology, str(onto.pg))
    for path in onto.alignment_files:
        graph = onto.parse(path)
        assert len(graph) > 0, f"{path.name} is empty"
        for s, p, _o in graph:
            assert p in ALIGNMENT_PREDICATES, f"{path.name}: {onto.curie(p)} is not a mapping property"
            if p != RDF.type and str(s).startswith(str(onto.pg)):
                assert s in declared, f"{path.name}: {onto.curie(s)} is not declared"


def test_a_state_is_never_equivalent_to_a_schema_org_country(onto):
    graph = onto.parse(onto.ontology_dir / "alignments" / "schema.ttl")
    country = rdflib.URIRef("http://schema.org/Country")
    assert (onto.pg.SovereignState, SKOS.closeMatch, country) in graph
    for predicate in (OWL.equivalentClass, RDFS.subClassOf, SKOS.exactMatch):
        assert (onto.pg.SovereignState, predicate, country) not in graph


# --- Shapes --------------------------------------------------------------------------------------------------

def test_shapes_graph_conforms_to_shacl_shacl(shapes):
    conforms, _report, text = meta_validate(shapes, inference="none")
    assert conforms, text


def test_every_named_shape_has_a_name_and_a_message_a_curator_can_act_on(shapes, onto):
    problems = []
    for shape in sorted(s for s in shapes.subjects(RDF.type, None) if str(s).startswith(str(onto.pgsh))):
        kind = shapes.value(shape, RDF.type)
        if kind in (SH.NodeShape, SH.PropertyShape) and shapes.value(shape, SH.name) is None:
            problems.append(f"{onto.curie(shape)} has no sh:name")
        if kind in (SH.PropertyShape, SH.SPARQLConstraint) and shapes.value(shape, SH.message) is None:
            problems.append(f"{onto.curie(shape)} has no sh:message")
        if kind == SH.NodeShape and not (shapes.value(shape, SH.message) or shapes.value(shape, SH.description)):
            problems.append(f"{onto.curie(shape)} has neither sh:message nor sh:description")
    assert not problems, "\n".join(problems)


def test_property_shapes_are_named_and_hand_named_after_their_node_shape(shapes, onto):
    for node_shape, prop in shapes.subject_objects(SH.property):
        assert isinstance(prop, rdflib.URIRef), f"{onto.curie(node_shape)} has an anonymous property shape"
        assert str(prop).startswith(f"{node_shape}-"), f"{onto.curie(prop)} should be named {onto.curie(node_shape)}-..."


def test_node_shapes_are_named_shape_or_rule(shapes, onto):
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        local = _local(shape, onto.pgsh)
        assert re.fullmatch(r"[A-Z][A-Za-z]+(Shape|Rule)", local), f"{local} should be <Name>Shape or <Name>Rule"
        if local.endswith("Rule"):
            assert (shape, SH.sparql, None) in shapes, f"{local} is a rule but has no sh:sparql"


def test_every_pgsh_reference_resolves_to_a_defined_shape(shapes, onto):
    defined = {s for s in shapes.subjects(RDF.type, None)}
    for s, p, o in shapes:
        if isinstance(o, rdflib.URIRef) and str(o).startswith(str(onto.pgsh)):
            assert o in defined, f"{onto.curie(s)} {onto.curie(p)} {onto.curie(o)}: not defined"


def test_shapes_only_mention_declared_classes(shapes, ontology, onto):
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    for predicate in (SH.targetClass, SH["class"]):
        for shape, cls in shapes.subject_objects(predicate):
            assert cls in classes, f"{onto.curie(shape)} refers to {onto.curie(cls)}, which is not a declared class"


def test_severity_is_set_on_shapes_and_soft_rules_live_outside_shapes_ttl(onto):
    mandatory = onto.parse(onto.ontology_dir / "shapes.ttl")
    assert not set(mandatory.objects(None, SH.severity)) - {SH.Violation}
    recommended = onto.parse(onto.ontology_dir / "shapes-recommended.ttl")
    for shape in recommended.subjects(RDF.type, SH.PropertyShape):
        assert recommended.value(shape, SH.severity) in (SH.Warning, SH.Info), f"{shape} needs sh:Warning or sh:Info"
    shapes = onto.parse(*onto.shape_files)
    for constraint in shapes.subjects(RDF.type, SH.SPARQLConstraint):
        assert shapes.value(constraint, SH.severity) is None, "sh:severity belongs on the rule's node shape"


# --- SHACL-SPARQL rules --------------------------------------------------------------------------------------

def _rules(shapes):
    return sorted((shape, constraint, str(shapes.value(constraint, SH.select)))
                  for shape, constraint in shapes.subject_objects(SH.sparql))


def _prologue(shapes, onto) -> str:
    lines = []
    for declaration in shapes.objects(onto.shapes_iri, SH.declare):
        lines.append(f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>")
    return "\n".join(lines) + "\n"


def test_the_rules_named_in_the_docs_exist_with_their_severity(shapes, onto):
    expected = {"SignatureOnBehalfOfPartyRule": SH.Violation, "SignatoryTenureOutsideRule": SH.Violation,
                "SignatoryTenureUnknownRule": SH.Warning, "SigningBeforeEntryIntoForceRule": SH.Violation,
                "IntervalOrderRule": SH.Violation, "ParticipationOrderRule": SH.Violation,
                "ConflictingBeginningsRule": SH.Violation}
    actual = {_local(shape, onto.pgsh): shapes.value(shape, SH.severity) for shape, _c, _q in _rules(shapes)}
    assert actual == expected
    text = onto.doc_file.read_text(encoding="utf-8")
    for name, severity in expected.items():
        assert re.search(rf"`pgsh:{name}` \({severity.split('#')[1]}\)", text), f"docs/ontology.md: {name}"


def test_every_rule_has_prefixes_a_target_and_a_message_with_projected_placeholders(shapes, onto):
    for shape, constraint, query in _rules(shapes):
        name = onto.curie(shape)
        assert shapes.value(constraint, SH.prefixes) == onto.shapes_iri, name
        assert shapes.value(shape, SH.targetClass) is not None, f"{name} needs a sh:targetClass"
        projection = re.search(r"SELECT\s+(.*?)\s+WHERE", query, flags=re.S).group(1).split()
        assert projection[0] == "$this", f"{name} must project $this first"
        message = str(shapes.value(constraint, SH.message))
        for variable in re.findall(r"\{\?(\w+)\}", message):
            assert f"?{variable}" in projection, f"{name}: the message uses ?{variable}, which is not projected"


@pytest.mark.parametrize("forbidden", [r"\bVALUES\b", r"\bMINUS\b", r"\bSERVICE\b", r"\{\s*SELECT\b", r"\$value\b",
                                       r"\$PATH\b", r"\$shapesGraph\b", r"\$currentShape\b"])
def test_rules_avoid_constructs_that_break_pre_binding_or_set_at_a_time_evaluation(shapes, forbidden):
    for shape, _constraint, query in _rules(shapes):
        assert not re.search(forbidden, query, flags=re.I), f"{shape} uses {forbidden}"


def test_every_rule_begins_by_binding_this_and_parses_with_this_unbound(shapes, onto):
    prologue = _prologue(shapes, onto)
    for shape, _constraint, query in _rules(shapes):
        where = query.split("WHERE", 1)[1]
        assert re.match(r"\s*\{\s*(\{\s*)?\$this\s", where), f"{onto.curie(shape)}: WHERE must begin with $this"
        unbound = re.sub(r"\$this\b", "?this", query)
        prepareQuery(prologue + unbound)
        ox.Store().query(prologue + unbound)


def test_rules_only_use_standard_sparql_functions(shapes):
    standard = {"STR", "STRLEN", "SUBSTR", "CONCAT", "IF", "BOUND", "EXISTS", "NOT", "BIND", "FILTER", "SELECT",
                "WHERE", "UNION", "AS", "OPTIONAL"}
    for shape, _constraint, query in _rules(shapes):
        calls = set(re.findall(r"\b([A-Z]+)\s*\(", query))
        assert calls <= standard, f"{shape} calls {calls - standard}"


def test_every_node_shape_is_listed_in_the_docs(shapes, onto):
    text = onto.doc_file.read_text(encoding="utf-8")
    rules = {s for s, _c, _q in _rules(shapes)}
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if shape not in rules:
            assert f"`{onto.curie(shape)}`" in text, f"docs/ontology.md does not list {onto.curie(shape)}"
