"""The campaign configuration: one TOML file, validated by pydantic, official values as defaults."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assessment.settings import CheckSettings, Thresholds
from registry.errors import ExitcheckError
from sampling.settings import SamplingSettings


class ConfigError(ExitcheckError):
    """The campaign config file cannot be used."""


#: Keys about running the campaign, not about its results (left out of the cache key).
OPERATIONS = frozenset({"timezone", "portal_url"})


class CampaignConfig(BaseModel):
    """Everything a campaign run depends on apart from its input data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    campaign: str = "exitcheck campaign"
    year: int = Field(2019, ge=2011, le=2030)
    seed: int = Field(20191, ge=0)
    sampling: SamplingSettings = Field(default_factory=SamplingSettings)
    checks: CheckSettings = Field(default_factory=CheckSettings)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    max_quarantine_share: float = Field(0.01, ge=0.0, le=1.0)
    revisit_top_n: int = Field(50, ge=0)
    #: Where the schedules run (an IANA zone): a nightly 02:00 is 02:00 in this zone.
    timezone: str = "Asia/Shanghai"
    #: The URL under which the team opens the workspace's files (the portal's); empty: links in
    #: the Prefect UI are paths relative to the workspace.
    portal_url: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as "
                             "Asia/Shanghai)") from None
        return value

    @property
    def income_line(self) -> float:
        """The income line of the campaign year (an error if the config lacks it)."""
        return self.checks.income_line(self.year)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: part of every cache key."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def canonical_json(self) -> str:
        """The settings that results depend on, as canonical JSON: where schedules run and
        where the team opens reports change no result, so they are left out."""
        return json.dumps(self.model_dump(mode="json", exclude=OPERATIONS), sort_keys=True,
                          ensure_ascii=False)


def load_config(path: Path | str | None = None, **overrides: object) -> CampaignConfig:
    """Read a campaign TOML file (or the defaults) and apply command-line overrides."""
    data: dict[str, object] = {}
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file not found: {path} / 找不到配置文件：{path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"Config file {path} is not valid TOML: {exc} / 配置文件格式错误：{exc}"
            ) from None
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return CampaignConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"Config {path or '(defaults)'} is not valid / 配置有误:"]
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(f"  - {loc}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None
