"""Where the bundled ontology, shapes, data and queries live (source checkout or installed wheel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE_DIR / "bundled"
_CHECKOUT = _PACKAGE_DIR.parent.parent


@dataclass(frozen=True)
class Resources:
    """Paths of the project's data directories."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        """The ontology directory (model, imports, vocabularies, shapes, examples)."""
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        """The curated data directory."""
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        """The canned queries directory."""
        return self.root / "queries"

    def ontology_files(self) -> list[Path]:
        """The ontology proper and the vendored subset of reused vocabularies."""
        files = [self.ontology_dir / "partnergraph.ttl"]
        files += sorted((self.ontology_dir / "imports").glob("*.ttl"))
        return [f for f in files if f.exists()]

    def vocabulary_files(self) -> list[Path]:
        """The SKOS concept schemes."""
        return sorted((self.ontology_dir / "vocabularies").glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        """The SHACL shapes files (shapes.ttl, shapes-*.ttl)."""
        return sorted(self.ontology_dir.glob("shapes*.ttl"))

    def data_files(self) -> list[Path]:
        """The curated data files."""
        return sorted(self.data_dir.glob("*.ttl"))


def bundled_resources() -> Resources:
    """The resources shipped in the wheel, or those of the source checkout in development."""
    if (_BUNDLED / "ontology").is_dir():
        return Resources(_BUNDLED)
    return Resources(_CHECKOUT)
