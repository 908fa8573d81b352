"""Child process for the concurrent-miss test: search HOME for QUERY with generate-on-miss and
print "<generated 0|1> <first result's file id>"."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the describing aligner lives in search_helpers.py


def main(home: str, weights: str, query: str) -> None:
    import torch
    torch.set_num_threads(1)
    from catalog.settings import Settings
    from search_helpers import DescribingAligner
    from generator.decoder import PlanDecoder
    from generator.generate import Generator
    from search import Searcher
    from search.miss import MissHandler
    settings = Settings(home=Path(home), workers=1, batch_size=8, miss_threshold=0.95, keyword_weight=0.0)
    aligner = DescribingAligner()
    gen = Generator(settings, aligner=aligner, decoder=PlanDecoder.load(Path(weights)))
    with Searcher(settings, aligner=aligner, on_miss=MissHandler(generator=gen, candidates=2)) as s:
        resp = s.search(query, k=3)
    print(int(resp.generated), resp.results[0].file_id)


if __name__ == "__main__":
    main(*sys.argv[1:4])
