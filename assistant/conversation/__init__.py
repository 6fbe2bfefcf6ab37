"""Conversation: the chat engine, its typed memory and the chat commands.

Holds the engine (one message in, one reply out), what a conversation remembers between
messages, the registry of chat commands (templates, retry and cancel, schedules,
preferences) and the chat's own words. May import ``schedules``, ``exports``,
``questions``, ``scope`` and the floor; only the process and the faces import it.
"""
