"""One frozen Settings object, resolved once (file -> CRATEDIG_* env -> flags) and passed down.

Core code never reads the environment itself: faces call `Settings.resolve(...)` and hand the
result to verbs and core.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "cratedig"


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"setting {name!r}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=_default_home,
                       metadata={"help": "data home: catalogue.db, index/, generated/, cache/"})
    database_url: str = field(default="", metadata={
        "help": "SQLAlchemy URL of the catalogue; empty = SQLite file catalogue.db in the home"})
    aligner: str = field(default="builtin", metadata={
        "help": "joint text-audio model: 'builtin', 'builtin:PATH' (weights file) or 'clap:PATH'"})
    soundfont: str = field(default="", metadata={
        "help": "General MIDI .sf2 for the renderer; empty = TimGM6mb.sf2 shipped by pretty-midi"})
    device: str = field(default="auto", metadata={"help": "torch device: auto, cpu, cuda"})
    workers: int = field(default=0, metadata={"help": "decode worker processes; 0 = one per core"})
    batch_size: int = field(default=32, metadata={"help": "windows embedded per batch"})
    miss_threshold: float | None = field(default=None, metadata={
        "help": "similarity below which a search is a miss; None = the aligner's calibrated value"})
    generate_on_miss: bool = field(default=True, metadata={"help": "generate a clip when a search misses"})
    keyword_weight: float = field(default=0.15, metadata={
        "help": "weight of the file-name/tag keyword score fused with the embedding score (0 = off)"})
    exact_search_limit: int = field(default=50_000, metadata={
        "help": "segments up to which the vector store searches exactly; above it an approximate index"})
    token: str = field(default="", metadata={"help": "API token required for mutating endpoints off localhost"})

    # ---- derived paths -------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'catalogue.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def generated_dir(self) -> Path:
        return self.home / "generated"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def ensure_dirs(self) -> None:
        for p in (self.home, self.index_dir, self.generated_dir, self.cache_dir):
            p.mkdir(parents=True, exist_ok=True)

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    # ---- resolution ----------------------------------------------------------------------
    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}

    @classmethod
    def resolve(cls, overrides: dict | None = None, environ: dict | None = None,
                config_file: Path | None = None) -> "Settings":
        """Build settings from defaults, then `home/config.json`, then CRATEDIG_* env, then overrides.

        `overrides` are flag values; None means "not given".
        """
        environ = os.environ if environ is None else environ
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        values: dict = {}
        home = overrides.get("home") or environ.get("CRATEDIG_HOME")
        if home:
            values["home"] = Path(home).expanduser().resolve()
        base = cls(**values)
        cfg = config_file or (base.home / "config.json")
        if cfg.is_file():
            try:
                data = json.loads(cfg.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise SettingsError("config", f"cannot read {cfg}: {e}") from e
            for k, v in data.items():
                if k != "home":
                    values[k] = v
        for f in fields(cls):
            env = environ.get("CRATEDIG_" + f.name.upper())
            if env is not None and f.name != "home":
                values[f.name] = env
        for k, v in overrides.items():
            values[k] = v
        return cls(**_coerce(values))


def _coerce(values: dict) -> dict:
    types = {f.name: f.type for f in fields(Settings)}
    out = {}
    for k, v in values.items():
        if k not in types:
            raise SettingsError(k, f"unknown setting; known: {', '.join(sorted(types))}")
        t = str(types[k])
        try:
            if k == "home":
                v = Path(v).expanduser().resolve()
            elif t == "int":
                v = int(v)
            elif t == "bool":
                v = v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes", "on")
            elif "float" in t:
                v = None if v in (None, "", "none", "None") else float(v)
            else:
                v = str(v)
        except (TypeError, ValueError) as e:
            raise SettingsError(k, f"bad value {v!r}: {e}") from e
        out[k] = v
    return out
