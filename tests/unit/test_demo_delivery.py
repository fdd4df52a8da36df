"""The demo's two deliverers are told as one."""

from __future__ import annotations

from eig.demo_delivery import _merged


def test_two_deliverers_make_one_summary() -> None:
    mine = {"delivered": 5, "skipped": 1, "failed": 0, "failures": [], "seconds": 2.0,
            "pending": 0, "lanes": {"ds": {"delivered": 2, "skipped": 1},
                                    "email": {"delivered": 3, "skipped": 0}}}
    other = {"delivered": 4, "skipped": 0, "failed": 1,
             "failures": [{"key": "mail:x", "status": "failed", "error": "550"}],
             "lanes": {"email": {"delivered": 4, "skipped": 0}}}
    merged = _merged(mine, other)
    assert (merged["delivered"], merged["skipped"], merged["failed"]) == (9, 1, 1)
    assert merged["lanes"] == {"ds": {"delivered": 2, "skipped": 1},
                               "email": {"delivered": 7, "skipped": 0}}
    assert merged["failures"] == other["failures"]
    assert (merged["second_deliverer"], merged["seconds"], merged["pending"]) == (4, 2.0, 0)
