"""The architecture, kept by a test: imports run faces -> verbs -> core, never upward.

faces (web, cli) -> verbs (indexer, search, generator) -> core (aligner, catalog); see
docs/ARCHITECTURE.md. Every import statement counts, including the lazy ones inside functions.
Heavy libraries (torch, faiss, ...) are imported lazily, so that importing the packages and
the CLI (`cratedig --help`) loads none of them.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("aligner", "catalog", "indexer", "search", "generator", "web", "cli", "migrations")

# package -> the other project packages it may import (importing itself is always fine)
ALLOWED = {
    "aligner": {"catalog.settings"},   # the one config object is passed down; nothing else
    "catalog": {"aligner", "migrations"},  # aligner ids/errors; alembic scripts run at open
    "indexer": {"aligner", "catalog"},
    "generator": {"aligner", "catalog"},
    "search": {"indexer", "generator", "aligner", "catalog"},
    "web": {"indexer", "search", "generator", "aligner", "catalog"},
    "cli": {"web", "indexer", "search", "generator", "aligner", "catalog"},
    "migrations": {"catalog"},
}
HEAVY = {"torch", "faiss", "transformers", "tinysoundfont", "librosa", "sentence_transformers"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in `source`, wherever it is."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if node.module is None or node.level:
                # `from . import x`: x may be a submodule, so record package.x
                for alias in node.names:
                    out.append((node.lineno, f"{name}.{alias.name}" if name else alias.name))
            else:
                out.append((node.lineno, name))
    return out


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Upward or sideways imports of our own packages."""
    own = module.split(".")[0]
    allowed = ALLOWED[own]
    found = []
    for line, name in imported_modules(source, module, is_package):
        target = name.split(".")[0]
        if target in PACKAGES and target != own:
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                found.append(f"{module}:{line} imports {name} ({own} may import "
                             f"{', '.join(sorted(allowed)) or 'nothing of ours'})")
    return found


def project_modules() -> list[Path]:
    files = []
    for pkg in PACKAGES:
        d = ROOT / pkg
        if d.is_dir():
            files += [p for p in sorted(d.rglob("*.py")) if "__pycache__" not in p.parts]
    return files


def test_the_project_has_modules_to_check():
    mods = {module_name(p).split(".")[0] for p in project_modules()}
    assert {"aligner", "catalog", "cli", "search"} <= mods


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_upward_imports(path: Path):
    source = path.read_text(encoding="utf-8")
    assert violations(source, module_name(path), path.name == "__init__.py") == []


# ---- the checker itself catches planted violations ------------------------------------------
@pytest.mark.parametrize("module, source, expected", [
    ("catalog.db", "from search import run_search\n", "catalog.db:1 imports search"),
    ("catalog.db", "def f():\n    import cli.main\n", "catalog.db:2 imports cli.main"),
    ("aligner.model", "from catalog.db import open_catalog\n", "imports catalog.db"),
    ("generator.decoder", "from indexer.ingest import ingest_files\n", "imports indexer.ingest"),
    ("generator.decoder", "import search.query\n", "imports search.query"),
    ("indexer.run", "from search import query\n", "imports search"),
    ("indexer.run", "from web import create_app\n", "imports web"),
    ("web.app", "from cli.main import settings_from\n", "imports cli.main"),
    ("migrations.env", "from aligner import load_aligner\n", "imports aligner"),
    ("search.query", "from ..web import api\n", "imports web.api"),
    ("catalog.db", "try:\n    from web import app\nexcept ImportError:\n    pass\n", "imports web ("),
])
def test_checker_catches_planted_violation(module, source, expected):
    found = violations(source, module)
    assert any(expected in v for v in found), found


@pytest.mark.parametrize("module, source", [
    ("search.query", "from catalog.db import open_catalog\nfrom indexer import ingest_files\n"),
    ("search.query", "from .keywords import score\nfrom . import filters\n"),
    ("cli.search_cmd", "from search import run_search\nfrom web import create_app\n"),
    ("catalog.vectors", "from aligner.base import AlignerMismatchError\n"),
    ("catalog.db", "import migrations\n"),
    ("migrations.env", "from catalog.models import Base\n"),
])
def test_checker_accepts_allowed_imports(module, source):
    assert violations(source, module) == []


def test_importing_the_packages_and_cli_loads_no_heavy_library():
    """`cratedig --help` must stay instant: torch, faiss, ... only load inside functions."""
    mods = ["cli.main"] + [p for p in PACKAGES if (ROOT / p / "__init__.py").is_file()]
    code = (f"import sys\nfor m in {mods!r}: __import__(m)\n"
            f"print(sorted(m for m in {sorted(HEAVY)!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
