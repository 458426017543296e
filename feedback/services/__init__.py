"""Writes about feedback and contacts: live submissions (``submit``) and historical bulk rows (``bulk``)."""

from feedback.services.bulk import ContactRow, ResponseRow, contact_bulk_create, response_bulk_create
from feedback.services.contacts import ContactRef, contact_resolve
from feedback.services.items import FeedbackItem, IngestResult, feedback_ingest
from feedback.services.submit import (
    SubmissionInvalid,
    SubmitResult,
    SurveyUnavailable,
    choose_language,
    response_ingest,
    response_submit,
    survey_unavailable_reason,
)

__all__ = [
    "ContactRef",
    "ContactRow",
    "FeedbackItem",
    "IngestResult",
    "ResponseRow",
    "SubmissionInvalid",
    "SubmitResult",
    "SurveyUnavailable",
    "choose_language",
    "contact_bulk_create",
    "contact_resolve",
    "feedback_ingest",
    "response_bulk_create",
    "response_ingest",
    "response_submit",
    "survey_unavailable_reason",
]
