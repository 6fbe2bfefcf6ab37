"""The Streamlit chat (see DESIGN.md); it only renders what the engine answers.

``app.py`` is the page (``python -m streamlit run ui/app.py``, or ``make run`` with the
API). Beside it, one job each: ``state`` (the typed turns a session replays),
``backend`` (the cached assistant and the session's conversation), ``actions`` (what
widgets do: one engine call each), ``chat``, ``exports``, ``sidebar``, ``preferences``
and ``schedules`` (drawing), ``table`` and ``text`` (presentation), ``errors`` (failures
in words).
"""

__all__: list[str] = []
