"""Exports: one result (or several) into a file, recorded in the store.

Holds the export records (start, fail, finish, the info faces show), writing a query
run's file, background exports on the job runner, bundles of several results, retry and
cancel, and the API's export operations. Every function takes a
:class:`~assistant.scope.UserScope`. May import ``questions``, ``scope`` and the floor.
"""
