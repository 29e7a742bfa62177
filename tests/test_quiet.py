"""explorer/ui/quiet.py: which pages of a server are still opening, so that work that can wait lets them."""
import time

from explorer.ui import quiet


def test_a_page_is_opening_from_its_build_until_it_is_up_or_too_old():
    quiet.forget()
    a, b = object(), object()
    assert not quiet.busy()
    quiet.opening(a)
    assert quiet.busy() and quiet.busy(exclude=b)
    assert not quiet.busy(exclude=a)            # a page's own opening does not hold its own work back
    quiet.opening(b)
    assert quiet.busy(exclude=a)
    quiet.opened(b)
    assert not quiet.busy(exclude=a)
    # a page whose browser never connected stops counting after MAX_OPENING_S
    assert not quiet.busy(now=time.monotonic() + quiet.MAX_OPENING_S + 1)
    assert not quiet.busy()                     # ...and is forgotten
    assert quiet.last_start() > 0
