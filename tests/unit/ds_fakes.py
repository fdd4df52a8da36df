"""Fakes shared by the DS client's unit tests."""

API_URL = "https://ds.test/api/v2/graphql"


class FakeTime:
    """A clock and a sleep that only move the clock: tests wait for nothing."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
