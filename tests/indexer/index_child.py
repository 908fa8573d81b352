"""Run `run_index` in a separate process (killed with SIGKILL by test_resume.py).

usage: python index_child.py HOME DATABASE_URL DELAY_S PATH...
The projection test aligner sleeps DELAY_S per embedding batch to stand for a slow model.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aligner_double import ProjectionAligner  # noqa: E402
from catalog.settings import Settings  # noqa: E402
from indexer import run_index  # noqa: E402

if __name__ == "__main__":
    home, url, delay, *paths = sys.argv[1:]
    settings = Settings(home=Path(home), database_url=url, workers=1, batch_size=4)
    s = run_index(settings, paths, aligner=ProjectionAligner(seed=0, delay_s=float(delay)))
    print(s.headline())
