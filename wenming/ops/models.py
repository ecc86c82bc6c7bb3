"""No tables of its own: the module exists so that Django sends this app `post_migrate`,
which creates the shared cache's table (apps.py)."""
