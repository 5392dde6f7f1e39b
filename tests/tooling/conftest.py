"""The tools' checks start test runs of their own: this run ends what it starts too."""

from support import lifetime


def pytest_configure(config) -> None:
    lifetime.tie_children_to_this_run()  # what the run starts ends with it, however it ends
