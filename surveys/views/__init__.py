"""Survey pages: management (manage.py), the builder (builder.py) and the public link survey (public.py)."""
