"""Held-out material for the question reader: databases unlike Northwind, corpora of
questions with gold SQL, a variant generator, the scorer's comparison rule and a harness.

    python -m tests.assistant.questions_heldout OUT_DIR

writes the databases and corpora (variants included) to OUT_DIR for
``../shared/tools/score_questions.py``.
"""
