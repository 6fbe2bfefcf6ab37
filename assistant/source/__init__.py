"""Floor: the user's database: guarded previews and reads, its schema, the demo shop.

``datasource`` reads through the exporter's query guard, ``schema`` introspects tables
and columns, ``values`` indexes their short values for the question reader (with
``folding``, ``exonyms``, ``value_reader`` and ``value_cache``), ``demo`` builds the
bundled demo database. May import only the floor's ``errors`` and ``settings``, and
``exporters``. Import the modules themselves: the
package stays empty so ``python -m assistant demo`` does not load the exporter core.
"""
