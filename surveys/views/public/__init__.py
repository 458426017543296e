"""The hosted link survey that respondents answer: /s/<public_id>/ (no login).

Server-rendered and complete without JavaScript (frontend/survey/page.ts only enhances it). The respondent
is known by one first-party cookie per survey that holds the client id of their response, so a reload
resumes where they left off. Every answer goes through ``feedback.services.response_submit``, the one
write path: it re-walks the logic and validates each answer against the version the response started on.
This module only reads the form, asks the same logic which page comes next, and renders.
"""

from surveys.views.public.views import question, start

__all__ = ["question", "start"]
