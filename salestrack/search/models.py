# No Django models: the indexes are FTS5 tables, triggers and GIN indexes (see schema.py).
# This module exists so that post_migrate is sent for this app (apps.py), which Django does only
# for apps with a models module.
