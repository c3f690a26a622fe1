"""`uv run python -m bench`: the API against its floor under wrk, plus pgbench (see README.md).

Needs wrk (`apt-get install -y wrk`), pgbench (postgresql-client-15) and a PostgreSQL server
configured as for the tests (`source /work/ci-env.sh` or the MAINTAINPRO_DATABASE__* settings).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench import data, scale
from bench.load import Load
from bench.report import markdown
from bench.run import Bench
from bench.scenarios import BY_KEY
from bench.work_orders import WORK_ORDERS
from maintainpro.config import Settings

OUT = Path(__file__).parent / "out"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--assets", type=int, default=50_000, help="assets per tenant")
    parser.add_argument(
        "--work-orders", type=int, default=WORK_ORDERS, help="work orders per tenant"
    )
    parser.add_argument(
        "--scale",
        type=scale.parse_count,
        default=0,
        help="work orders in all over 1,000 organizations (100k, 1m, 10m; bench/scale.py)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("-t", "--threads", type=int, default=2, help="wrk and pgbench threads")
    parser.add_argument("-c", "--connections", type=int, default=32)
    parser.add_argument("-d", "--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each measurement")
    parser.add_argument("--quick", action="store_true", help="5 s per scenario, 1 s warm-up")
    parser.add_argument("--reset", action="store_true", help="rebuild the data from scratch")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BY_KEY), help="run only these scenarios"
    )
    parser.add_argument("--data-only", action="store_true", help="build the data, then stop")
    parser.add_argument("--out", type=Path, default=OUT, help="results directory (gitignored)")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    settings = Settings()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.data_only:
        data.generate(
            settings,
            args.assets,
            args.out / "data.json",
            reset=args.reset,
            work_order_rows=args.work_orders,
            scale_total=args.scale,
        )
        return
    duration, warmup = (5, 1) if args.quick else (args.duration, args.warmup)
    duration = min(max(duration, 1), 300)  # every load loop stays bounded
    load = Load(args.threads, args.connections, duration, min(warmup, 30))
    bench = Bench(settings, load, args.workers, args.assets, args.out)
    bench.work_orders, bench.scale = args.work_orders, args.scale
    run = bench.run(args.only, args.reset)
    table = markdown(run)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"results-{stamp}.json").write_text(json.dumps(run.as_dict(), indent=2))
    (args.out / f"results-{stamp}.md").write_text(table)
    print()
    print(table)


if __name__ == "__main__":
    main()
