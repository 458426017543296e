"""Campaign pages: ``pages`` (list, edit, report, schedule, cancel, fatigue rules) and ``messages``
(the per-language message editor with its live preview)."""
