"""The facts of a response that conditions are evaluated against, gathered once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from feedback.alerts.conditions.fields import SENTIMENTS

if TYPE_CHECKING:
    from feedback.models import Response


@dataclass(frozen=True)
class ResponseFacts:
    """Everything evaluation needs about one response, gathered once."""

    channel: str = ""
    language: str = ""
    nps: int | None = None
    csat: int | None = None
    ces: int | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    # The comment and every free-text answer, joined by newlines (not yet case-folded).
    text: str = ""
    sentiment: str | None = None
    touchpoint_id: int | None = None
    survey_id: int | None = None
    hidden: Mapping[str, Any] = field(default_factory=dict)
    identified: bool = False
    contact_attributes: Mapping[str, Any] = field(default_factory=dict)
    # Display names for the trace, when the caller had them loaded.
    touchpoint_name: str = ""
    survey_name: str = ""


def _free_texts(answers: Mapping[str, Any], text_keys: set[str] | None) -> list[str]:
    texts: list[str] = []
    for key, value in answers.items():
        if isinstance(value, str) and (text_keys is None or key in text_keys):
            texts.append(value)
        elif isinstance(value, Mapping) and isinstance(value.get("other"), str):
            texts.append(value["other"])
        elif isinstance(value, list):
            texts.extend(
                v["other"] for v in value if isinstance(v, Mapping) and isinstance(v.get("other"), str)
            )
    return texts


def _sentiment_of(response: Response) -> str | None:
    """The sentiment text analytics found (it runs before the alert rules); else one the sender gave in
    ``meta.sentiment`` (a label, or ``{"label": ...}``)."""
    if response.sentiment in SENTIMENTS:
        return response.sentiment
    meta = response.meta
    raw = meta.get("sentiment") if isinstance(meta, Mapping) else None
    if isinstance(raw, Mapping):
        raw = raw.get("label")
    return raw if isinstance(raw, str) and raw in SENTIMENTS else None


def facts_for(response: Response) -> ResponseFacts:
    """The facts of a response. Reads its contact (select it with the response to save a query) and
    the published version's definition (cached per process) to know which answers are free text."""
    from surveys.selectors import version_definition

    answers = response.answers if isinstance(response.answers, Mapping) else {}
    text_keys: set[str] | None = None
    if response.survey_version_id is not None:
        definition = version_definition(response.survey_version_id)
        questions = definition.get("questions")
        if isinstance(questions, list):
            text_keys = {
                q["key"]
                for q in questions
                if isinstance(q, Mapping) and q.get("type") == "text" and "key" in q
            }
    texts = [response.comment] if response.comment else []
    texts += _free_texts(answers, text_keys)
    contact = response.contact if response.contact_id is not None else None
    attributes = contact.attributes if contact is not None and isinstance(contact.attributes, Mapping) else {}
    # Names only when the caller already loaded them: the trace must not cost queries.
    survey = response.survey if type(response).survey.is_cached(response) else None
    touchpoint = response.touchpoint if type(response).touchpoint.is_cached(response) else None
    return ResponseFacts(
        channel=response.channel,
        language=response.language,
        nps=response.nps,
        csat=response.csat,
        ces=response.ces,
        answers=answers,
        text="\n".join(texts),
        sentiment=_sentiment_of(response),
        touchpoint_id=response.touchpoint_id,
        survey_id=response.survey_id,
        hidden=response.hidden_fields if isinstance(response.hidden_fields, Mapping) else {},
        identified=response.contact_id is not None,
        contact_attributes=attributes,
        touchpoint_name=touchpoint.name if touchpoint is not None else "",
        survey_name=survey.name if survey is not None else "",
    )
