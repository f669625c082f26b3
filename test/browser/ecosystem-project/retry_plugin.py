"""A pytest-rerunfailures-style plugin: a failing test runs again up to --retries times; each failed try is a rerun."""
import pytest
from _pytest.runner import runtestprotocol


def pytest_addoption(parser):
    parser.addoption("--retries", type=int, default=0)


def pytest_runtest_protocol(item, nextitem):
    retries = item.config.getoption("retries")
    if not retries:
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for attempt in range(retries + 1):
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        failed = any(r.failed for r in reports)
        for report in reports:
            if failed and attempt < retries:
                if report.failed:
                    report.outcome = "rerun"
                    item.ihook.pytest_runtest_logreport(report=report)
                    break
            else:
                item.ihook.pytest_runtest_logreport(report=report)
        if not failed or attempt == retries:
            break
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_report_teststatus(report):
    if report.outcome == "rerun":
        return "rerun", "R", ("RERUN", {"yellow": True})
    return None
