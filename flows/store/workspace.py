"""Where a campaign workspace keeps each output (docs/data-contract.md, "Outputs")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    """Paths of one campaign workspace.

    ``cache_root`` is the workspace whose validated-registry cache this one shares (a
    spot-check's sub-workspace reads the province workspace's); by default its own root.
    """

    root: Path
    cache_root: Path | None = None

    @classmethod
    def at(cls, path: Path | str, *, cache_root: Path | str | None = None) -> Workspace:
        root = Path(path).resolve()
        root.mkdir(parents=True, exist_ok=True)
        return cls(root, Path(cache_root).resolve() if cache_root is not None else None)

    def _dir(self, name: str) -> Path:
        d = self.root / name
        d.mkdir(parents=True, exist_ok=True)
        return d

    def sample(self, county: str) -> Path:
        return self._dir("sample") / f"{county}.parquet"

    def fieldwork(self, county: str) -> Path:
        return self._dir("fieldwork") / f"{county}.xlsx"

    def results(self, county: str) -> Path:
        return self._dir("results") / f"{county}.parquet"

    def results_json(self, county: str) -> Path:
        return self._dir("results") / f"{county}.json"

    def detail_json(self, county: str) -> Path:
        return self._dir("results") / f"{county}.detail.json"

    def substitutions(self, county: str) -> Path:
        return self._dir("results") / f"{county}.substitutions.csv"

    def signals_dir(self) -> Path:
        return self._dir("signals")

    def reports_dir(self) -> Path:
        return self._dir("reports")

    def spotcheck_dir(self) -> Path:
        return self._dir("spotcheck")

    def quarantine_dir(self) -> Path:
        return self._dir("quarantine")

    def quarantine_part(self, county: str, table: str) -> Path:
        return self._dir("quarantine/parts") / f"{county}-{table}.csv"

    def state(self, county: str, step: str) -> Path:
        """The cache record of one county step: its key and output hashes."""
        return self._dir(".state") / f"{county}.{step}.json"

    def registry_cache(self, county: str) -> Path:
        """The validated registry tables of one county (``WS/.state/registry/<county>/``)."""
        d = (self.cache_root or self.root) / ".state" / "registry" / county
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def ledger_url(self) -> str:
        return f"sqlite:///{self.root / 'ledger.sqlite'}"

    def sampled_counties(self) -> list[str]:
        d = self.root / "sample"
        return sorted(p.stem for p in d.glob("*.parquet")) if d.exists() else []

    def assessed_counties(self) -> list[str]:
        d = self.root / "results"
        if not d.exists():
            return []
        return sorted(p.stem for p in d.glob("*.json") if "." not in p.stem)
