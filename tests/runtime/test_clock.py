import pytest

from neuropuppet.clock import FixedTimestep


def test_accumulates_whole_ticks_and_keeps_remainder():
    c = FixedTimestep(rate=60)
    assert c.advance(1 / 120) == 0
    assert c.alpha == pytest.approx(0.5)
    assert c.advance(1 / 120) == 1
    assert c.alpha == pytest.approx(0.0, abs=1e-9)
    assert c.advance(2.5 / 60) == 2
    assert c.alpha == pytest.approx(0.5)


def test_catch_up_is_capped_and_dropped_time_counted():
    c = FixedTimestep(rate=60, max_ticks_per_frame=4)
    assert c.advance(1.0) == 4           # a one-second hitch runs 4 ticks, not 60
    assert c.dropped_seconds == pytest.approx(56 / 60)
    assert c.advance(1 / 60) == 1        # and the next frame is normal again


def test_pause_and_single_step():
    c = FixedTimestep(rate=60)
    c.paused = True
    assert c.advance(1.0) == 0
    c.step()
    c.step()
    assert c.advance(1.0) == 2
    assert c.advance(1.0) == 0
    c.paused = False
    assert c.advance(1 / 60 + 1e-9) == 1


@pytest.mark.parametrize("rate", [0, -1])
def test_rejects_bad_rate(rate):
    with pytest.raises(ValueError):
        FixedTimestep(rate=rate)
