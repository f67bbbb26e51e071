"""Units of `registry.fairness`: the per-client counts and cap the two worker pools share."""

from __future__ import annotations

import pytest

from registry.errors import TooManyRequests
from registry.fairness import ClientCounts, ClientLimiter


def test_client_counts_count_per_client_and_forget_a_client_at_zero():
    counts = ClientCounts()
    counts.add("a")
    counts.add("a")
    counts.add("b")
    assert (counts["a"], counts["b"], counts["c"], len(counts)) == (2, 1, 0, 2)
    counts.remove("a")
    counts.remove("b")
    assert (counts["a"], counts["b"], len(counts)) == (1, 0, 1)
    counts.remove("a")
    counts.remove("a")  # one remove too many (a stream closed twice) does not go negative
    assert (counts["a"], len(counts)) == (0, 0)


def test_client_limiter_refuses_the_request_over_the_cap_of_that_client_only():
    limiter = ClientLimiter(2, what="validations", code="validation-concurrency")
    limiter.enter("a")
    limiter.enter("a")
    with pytest.raises(TooManyRequests) as refused:
        limiter.enter("a")
    assert refused.value.code == "validation-concurrency"
    assert "at most 2 validations at a time per client" in refused.value.detail
    limiter.enter("b")  # another client is not held up by the first one's cap
    limiter.leave("a")
    limiter.enter("a")  # one finished: room for one more
    assert (limiter.in_flight["a"], limiter.in_flight["b"]) == (2, 1)
