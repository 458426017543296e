"""Erasure and export of one contact's responses (registered by ``contacts`` in its AppConfig).

Erasing keeps what the metrics need and nothing that identifies the person: the response loses its
contact, its comment, its text and contact-details answers (and any "other" text of a choice), its
hidden fields, metadata and extracted keywords; scores, choices, sentiment, themes, survey, touchpoint
and dates stay, so NPS/CSAT/CES and the dashboards do not change. Every changed response records
``response.changed`` so that rollups refresh. Alert traces of those responses are scrubbed too.
"""

from __future__ import annotations

from typing import Any

from core.outbox import outbox_record_many
from feedback.alerts.models import AlertMatch
from feedback.models import Contact, Response
from surveys.selectors import version_definition

# Answers of these question types are scores or choices and are kept; any other answer is dropped.
KEPT_TYPES = frozenset(
    {
        "nps",
        "csat",
        "ces",
        "rating",
        "yes_no",
        "single_choice",
        "multiple_choice",
        "dropdown",
        "matrix",
        "ranking",
        "consent",
    }
)


def _without_other(value: Any) -> Any:
    """A choice answer without its free "other" text."""
    if isinstance(value, dict) and set(value) == {"other"}:
        return None
    if isinstance(value, list):
        return [item for item in value if not (isinstance(item, dict) and set(item) == {"other"})]
    return value


def _kept_answers(answers: dict[str, Any], definition: dict[str, Any]) -> dict[str, Any]:
    types = {q.get("key"): q.get("type") for q in definition.get("questions", []) if isinstance(q, dict)}
    kept: dict[str, Any] = {}
    for key, value in answers.items():
        qtype = types.get(key)
        if qtype is None:
            # No definition (an imported response): keep plain numbers only.
            if isinstance(value, int | float) and not isinstance(value, bool):
                kept[key] = value
            continue
        if qtype in KEPT_TYPES:
            cleaned = _without_other(value)
            if cleaned is not None and cleaned != []:
                kept[key] = cleaned
    return kept


def responses_erase(organization_id: int, contact: Contact) -> int:
    """Anonymise the contact's responses; returns how many changed."""
    from contacts.privacy import personal_needles, scrub_json

    needles = personal_needles(contact)
    responses = list(
        Response.all_orgs.select_for_update().filter(organization_id=organization_id, contact_id=contact.pk)
    )
    for response in responses:
        definition = version_definition(response.survey_version_id) if response.survey_version_id else {}
        response.answers = _kept_answers(
            response.answers if isinstance(response.answers, dict) else {}, definition
        )
        response.contact = None
        response.comment = ""
        response.hidden_fields = {}
        response.meta = {}
        response.keywords = []
    Response.all_orgs.bulk_update(
        responses, ["answers", "contact", "comment", "hidden_fields", "meta", "keywords"], batch_size=500
    )
    ids = [r.pk for r in responses]
    for match in AlertMatch.all_orgs.filter(organization_id=organization_id, response_id__in=ids):
        scrubbed = scrub_json(match.trace, needles)
        if scrubbed != match.trace:
            AlertMatch.all_orgs.filter(pk=match.pk).update(trace=scrubbed)
    if ids:
        outbox_record_many(
            organization_id=organization_id, events=[("response.changed", {"response_id": pk}) for pk in ids]
        )
    return len(ids)


def responses_export(organization_id: int, contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "survey": r.survey.name if r.survey else None,
            "channel": r.channel,
            "language": r.language,
            "received_at": r.received_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "nps": r.nps,
            "csat": r.csat,
            "ces": r.ces,
            "comment": r.comment,
            "answers": r.answers,
            "hidden_fields": r.hidden_fields,
        }
        for r in Response.all_orgs.filter(organization_id=organization_id, contact_id=contact.pk)
        .select_related("survey")
        .order_by("received_at", "pk")
    ]
