"""Conversation: the chat engine, its typed memory and the chat commands.

Holds the engine (one message in, one reply out) and the turn it answers over, what a
conversation remembers between messages, acting on an understood request (ask, show,
export, email, schedule), the chat's own questions (the user's address, a place we cannot
send to), the registry of chat commands (templates, retry and cancel, schedules, send
now, preferences) and the chat's own words (help; a result said: one value, an empty
result's filter, the reader's notes). May import ``schedules``, ``exports``,
``questions``, ``scope`` and the floor; only the process and the faces import it.
"""
