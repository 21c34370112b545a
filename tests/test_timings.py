from assistant.timings import percentile


def test_percentiles_by_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]  # unordered, as timings arrive
    assert percentile(values, 50) == 3.0
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 5.0
    assert percentile(values, 90) == 5.0  # rank 3.6 rounds to the last
    assert percentile(range(1, 101), 99) == 99
    assert percentile([7.5], 99) == 7.5


def test_nothing_measured_is_zero():
    assert percentile([], 50) == 0.0
