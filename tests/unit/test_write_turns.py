"""Write transactions of one process take turns in the order they asked (storage.turns): a
console action queued behind a sync slice goes next, and the slice can see it waiting."""

from __future__ import annotations

import threading
import time
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


def test_a_background_job_sees_another_threads_unit_of_work_and_waits_for_quiet() -> None:
    turns, seen, events = WriteTurns(), [], []
    inside, release = threading.Event(), threading.Event()

    def console() -> None:
        with turns.foreground():  # a read: no write turn, still the console's
            inside.set()
            release.wait(5)
        events.append("console done")

    with turns.background():
        seen.append(turns.wanted)
        worker = threading.Thread(target=console)
        worker.start()
        inside.wait(5)
        seen.append(turns.wanted)  # the job's next check ends its slice
        threading.Timer(0.05, release.set).start()
        turns.wait_for_quiet(longest=5)  # blocks until the unit ended, and a moment after
        events.append("job goes on")
        seen.append(turns.wanted)
    worker.join()
    assert seen == [False, True, False]
    assert events == ["console done", "job goes on"]


def test_the_wait_for_quiet_gives_up_so_a_background_job_always_progresses() -> None:
    turns, release = WriteTurns(), threading.Event()
    inside = threading.Event()

    def busy() -> None:
        with turns.foreground():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=busy)
    with turns.background():
        worker.start()
        inside.wait(5)
        turns.wait_for_quiet(longest=0.05)  # returns although the unit still runs
        assert turns.wanted
    release.set()
    worker.join()


def test_units_of_work_count_only_while_a_background_job_runs_elsewhere() -> None:
    turns = WriteTurns()
    with turns.foreground():  # nobody in the background: nothing to tell
        assert turns._foreground == 0
    with turns.background(), turns.foreground():  # the job's own units are not the console's
        assert turns._foreground == 0
        assert not turns.wanted


def test_a_background_job_paces_its_steps_by_a_busy_thread_and_not_by_an_idle_one() -> None:
    turns, ended = WriteTurns(), threading.Event()
    with turns.background():
        turns.pace(5.0)  # nobody else has run: no wait
        assert not turns.busy(5.0)

        def unit() -> None:
            with turns.foreground():
                pass
            ended.set()

        threading.Thread(target=unit).start()
        assert ended.wait(10)
        assert turns.busy(5.0)  # it ran just now
        ended.clear()

        def another_unit_soon() -> None:
            _until(lambda: bool(turns._cv._waiters))  # type: ignore[attr-defined]  # it paces
            unit()

        threading.Thread(target=another_unit_soon).start()
        start = time.monotonic()
        turns.pace(60.0)  # returns when that next unit has ended, not after a minute
        assert ended.is_set() and time.monotonic() - start < 30
        # An idle stretch longer than the window: no pacing.
        turns._last_foreground -= 60
        turns.pace(5.0)
        assert not turns.busy(5.0)


def test_a_nested_background_block_leaves_the_job_in_the_background() -> None:
    turns = WriteTurns()
    with turns.background():
        with turns.background():
            pass
        assert threading.get_ident() in turns._background
    assert threading.get_ident() not in turns._background
