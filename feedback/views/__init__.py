"""Pages of the feedback app under ``/o/<org_slug>/feedback/``."""
