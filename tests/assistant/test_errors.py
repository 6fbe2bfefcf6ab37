"""One error tree for the assistant: drawn in ``assistant/errors.py``, defined there only."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import assistant
import assistant.errors
from assistant.errors import AssistantError
from exporters import ExporterError, UserFacingError

#: Exceptions the HTTP face raises and catches inside itself; none reaches a caller.
_INTERNAL = {"UnsafePath", "RangeNotSatisfiable", "_BodyTooLarge"}


def _modules() -> Iterator[object]:
    for found in pkgutil.walk_packages(assistant.__path__, "assistant."):
        if ".migrations" not in found.name and not found.name.endswith("__main__"):
            yield importlib.import_module(found.name)


def _subclasses(cls: type[BaseException]) -> Iterator[type[BaseException]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_error_is_defined_in_errors_and_drawn_in_its_tree() -> None:
    list(_modules())
    drawn = assistant.errors.__doc__ or ""
    found = list(_subclasses(AssistantError))
    assert len(found) >= 20
    for error in found:
        assert error.__module__ == "assistant.errors", error
        assert f"── {error.__name__} " in drawn, f"{error.__name__} is not drawn"
    assert set(assistant.errors.__all__) >= {e.__name__ for e in found}


def test_no_other_exception_is_defined_in_the_assistant() -> None:
    others = set()
    for module in _modules():
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == getattr(module, "__name__", None)
                and not issubclass(value, AssistantError | ExporterError)
            ):
                others.add(name)
    assert others == _INTERNAL


def test_callers_read_one_message_attribute() -> None:
    for error in (AssistantError("a"), ExporterError("b")):
        assert isinstance(error, UserFacingError)
    assert AssistantError("x").message == "x" and ExporterError("y").message == "y"
