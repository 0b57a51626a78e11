"""Write transactions of one process take turns in the order they asked (storage.turns): a
console action queued behind a sync slice goes next, and the slice can see it waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable

from facilitator.storage.turns import WriteTurns


def _until(predicate: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(2000):
        if predicate():
            return
        done.wait(0.005)
    raise AssertionError("the condition never held")


def test_waiters_go_in_the_order_they_asked_and_are_seen_waiting() -> None:
    turns, order = WriteTurns(), []

    def write(name: str) -> None:
        with turns.turn():
            order.append(name)

    with turns.turn():
        assert not turns.wanted
        first = threading.Thread(target=write, args=("first",))
        first.start()
        _until(lambda: turns.wanted)
        second = threading.Thread(target=write, args=("second",))
        second.start()
        _until(lambda: turns._waiting == 2)
        order.append("holder")
    first.join()
    second.join()
    assert order == ["holder", "first", "second"]
    assert not turns.wanted


def test_a_turn_inside_a_turn_of_the_same_thread_does_not_wait() -> None:
    turns = WriteTurns()
    with turns.turn(), turns.turn():
        pass
    with turns.turn():  # and the turns go on afterwards
        pass


def test_a_turn_not_given_in_time_goes_ahead() -> None:
    turns = WriteTurns()
    turns.WAIT_S = 0.05
    entered = []
    with turns.turn():
        worker = threading.Thread(target=lambda: turns.turn().__enter__() or entered.append(1))
        worker.start()
        worker.join()
    assert entered == [1]
