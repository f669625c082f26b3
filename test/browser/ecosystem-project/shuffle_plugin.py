"""A pytest-randomly-style plugin: shuffles each file's tests, seeded per file (--shuffle-seed), the seed in the header."""
import random


def pytest_addoption(parser):
    parser.addoption("--shuffle-seed", type=int, default=1234)


def pytest_report_header(config):
    return f"shuffle seed: {config.getoption('shuffle_seed')}"


def pytest_collection_modifyitems(config, items):
    by_file = {}
    for item in items:
        by_file.setdefault(item.path, []).append(item)
    seed = config.getoption("shuffle_seed")
    items[:] = [item for path, group in by_file.items() for item in random.Random(f"{seed}:{path.name}").sample(group, len(group))]
