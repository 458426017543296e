"""Writes about feedback and contacts: live submissions (``submit``) and historical bulk rows (``bulk``)."""

from feedback.services.bulk import ContactRow, ResponseRow, contact_bulk_create, response_bulk_create
from feedback.services.submit import (
    SubmissionInvalid,
    SubmitResult,
    SurveyUnavailable,
    choose_language,
    response_submit,
    survey_unavailable_reason,
)

__all__ = [
    "ContactRow",
    "ResponseRow",
    "SubmissionInvalid",
    "SubmitResult",
    "SurveyUnavailable",
    "choose_language",
    "contact_bulk_create",
    "response_bulk_create",
    "response_submit",
    "survey_unavailable_reason",
]
