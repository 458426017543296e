"""Writes of the text analytics app: analysing responses, themes and tags."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from core.models import OutboxEvent
from core.outbox import outbox_record_many
from feedback.models import Response
from textanalysis.defaults import DEFAULT_THEMES
from textanalysis.engine import LANGUAGES, analyse, match_themes
from textanalysis.models import ResponseTag, Tag, Theme

logger = logging.getLogger(__name__)

CHANGED = "response.changed"
THEMES_CHANGED = "textanalysis.themes_changed"
ANALYSED_FIELDS = ("sentiment", "sentiment_score", "keywords", "theme_ids", "analysed_at")
_LOADED_FIELDS = (
    "id", "organization_id", "comment", "answers", "language", "survey_version_id", *ANALYSED_FIELDS,
)  # fmt: skip
BATCH_SIZE = 500
MAX_KEYWORDS_PER_LANGUAGE = 200
MAX_KEYWORD_LENGTH = 80
MAX_TEXT_LENGTH = 20_000  # longer texts are analysed on their first 20,000 characters


# --- analysing responses -----------------------------------------------------------------------------


def _text_question_keys(version_id: int | None) -> set[str]:
    if version_id is None:
        return set()
    from surveys.selectors import version_definition

    questions = version_definition(version_id).get("questions")
    if not isinstance(questions, list):
        return set()
    # Text questions validated as email, phone or number hold contact details, not opinions.
    return {
        str(q["key"])
        for q in questions
        if isinstance(q, Mapping)
        and q.get("type") == "text"
        and "key" in q
        and not (isinstance(q.get("options"), Mapping) and q["options"].get("validation"))
    }


def response_text(response: Response) -> str:
    """What a respondent wrote: the comment, then the answers to open-text questions (the published
    version's definition, cached per process, says which questions those are)."""
    parts = [response.comment] if response.comment and response.comment.strip() else []
    answers = response.answers if isinstance(response.answers, Mapping) else {}
    for key in sorted(_text_question_keys(response.survey_version_id)):
        value = answers.get(key)
        if isinstance(value, str) and value.strip() and value != response.comment:
            parts.append(value)
    return "\n".join(parts)[:MAX_TEXT_LENGTH]


@dataclass(frozen=True)
class _Result:
    sentiment: str
    sentiment_score: float | None
    keywords: list[str]
    theme_ids: list[int]


def _result_for(response: Response, themes: Sequence[Theme]) -> _Result:
    analysis = analyse(response_text(response), response.language)
    if analysis.sentiment == "":
        return _Result(sentiment="", sentiment_score=None, keywords=[], theme_ids=[])
    return _Result(
        sentiment=analysis.sentiment,
        sentiment_score=analysis.score,
        keywords=analysis.keywords,
        theme_ids=match_themes(analysis, response.language, themes),
    )


def _apply(response: Response, result: _Result, now: Any) -> tuple[bool, bool]:
    """Copy the result onto the response: (anything analysed changed, needs writing at all)."""
    changed = (
        response.sentiment != result.sentiment
        or response.sentiment_score != result.sentiment_score
        or list(response.keywords or []) != result.keywords
        or list(response.theme_ids or []) != result.theme_ids
    )
    needs_write = changed or response.analysed_at is None
    if changed:
        response.sentiment = result.sentiment
        response.sentiment_score = result.sentiment_score
        response.keywords = result.keywords
        response.theme_ids = result.theme_ids
    if needs_write:
        response.analysed_at = now
    return changed, needs_write


def _themes_of(organization_id: int) -> list[Theme]:
    return list(Theme.all_orgs.filter(organization_id=organization_id).only("id", "keywords"))


@transaction.atomic
def response_analyse(*, response: Response, themes: Sequence[Theme] | None = None) -> bool:
    """Analyse a response's text and store sentiment, keywords and themes. Idempotent: returns whether
    anything changed, and only then records ``response.changed`` so that rollups catch up.

    The row is locked and re-read, so that two concurrent runs (``response.created`` racing
    ``response.finished``) store the analysis of the latest text, whichever finishes last.
    """
    locked = Response.all_orgs.select_for_update().only(*_LOADED_FIELDS).filter(pk=response.pk).first()
    if locked is None:
        return False
    if themes is None:
        # Without text there is nothing to match themes against: no query for them.
        themes = _themes_of(locked.organization_id) if response_text(locked) else []
    changed, needs_write = _apply(locked, _result_for(locked, themes), timezone.now())
    if needs_write:
        Response.all_orgs.filter(pk=locked.pk).update(**{f: getattr(locked, f) for f in ANALYSED_FIELDS})
        for name in ANALYSED_FIELDS:
            setattr(response, name, getattr(locked, name))
    if changed:
        outbox_record_many(
            organization_id=locked.organization_id, events=[(CHANGED, {"response_id": locked.pk})]
        )
    return changed


@transaction.atomic
def responses_analyse_batch(
    *, organization_id: int, after_id: int = 0, limit: int = BATCH_SIZE, only_unanalysed: bool = False
) -> tuple[int, int | None]:
    """Analyse the next ``limit`` responses of an organisation by id after ``after_id``, in one
    transaction. Returns (how many changed, the last id seen or None when there were none left)."""
    rows = Response.all_orgs.select_for_update().only(*_LOADED_FIELDS)
    rows = rows.filter(organization_id=organization_id, pk__gt=after_id)
    if only_unanalysed:
        rows = rows.filter(analysed_at__isnull=True)
    batch = list(rows.order_by("pk")[:limit])
    if not batch:
        return 0, None
    themes = _themes_of(organization_id)
    now = timezone.now()
    to_write: list[Response] = []
    changed_ids: list[int] = []
    for response in batch:
        changed, needs_write = _apply(response, _result_for(response, themes), now)
        if needs_write:
            to_write.append(response)
        if changed:
            changed_ids.append(response.pk)
    if to_write:
        Response.all_orgs.bulk_update(to_write, list(ANALYSED_FIELDS), batch_size=BATCH_SIZE)
    if changed_ids:
        outbox_record_many(
            organization_id=organization_id,
            events=[(CHANGED, {"response_id": pk}) for pk in changed_ids],
        )
    return len(changed_ids), batch[-1].pk


def _nothing_to_analyse(response: Response) -> bool:
    """No free text, and no analysis stored from an earlier text: analysing would store nothing."""
    return (
        not response_text(response)
        and response.sentiment == ""
        and response.sentiment_score is None
        and not response.keywords
        and not response.theme_ids
    )


def handle_response_event(event: OutboxEvent) -> None:
    """Outbox handler for ``response.created`` and ``response.finished``: analyse the response.

    Most responses carry no free text (a score only): those are skipped on one read, without locking
    the row or reading the themes. A text added later records its own event, which analyses it.
    """
    response_id = event.payload.get("response_id") if isinstance(event.payload, Mapping) else None
    if not isinstance(response_id, int):
        return
    response = (
        Response.all_orgs.only(*_LOADED_FIELDS)
        .filter(pk=response_id, organization_id=event.organization_id)
        .first()
    )
    if response is not None and not _nothing_to_analyse(response):
        response_analyse(response=response)


# --- re-analysis when themes change ------------------------------------------------------------------


def _generation_key(organization_id: int) -> str:
    return f"textanalysis:reanalyse:{organization_id}"


def _themes_changed(organization: Organization) -> None:
    # Through the outbox, so that the re-analysis is not lost if the broker is down right now.
    outbox_record_many(organization_id=organization.pk, events=[(THEMES_CHANGED, {})])


def handle_themes_changed(event: OutboxEvent) -> None:
    """Outbox handler: start re-analysing the organisation's responses in the worker. A newer theme
    change supersedes a re-analysis still running (it stops at its next batch)."""
    from textanalysis.tasks import reanalyse_task

    cache.set(_generation_key(event.organization_id), event.pk, timeout=7 * 24 * 3600)
    reanalyse_task.delay(event.organization_id, 0, event.pk)


def reanalyse_step(*, organization_id: int, after_id: int, generation: int) -> int | None:
    """One batch of a re-analysis; the id to continue after, or None when done or superseded."""
    current = cache.get(_generation_key(organization_id))
    if generation and current is not None and current != generation:
        return None
    _, last_id = responses_analyse_batch(organization_id=organization_id, after_id=after_id)
    return last_id


# --- themes ------------------------------------------------------------------------------------------


def _clean_keywords(keywords: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for language in LANGUAGES:
        seen: set[str] = set()
        words: list[str] = []
        for raw in keywords.get(language, ()):
            word = " ".join(str(raw).split())
            if not word or word.casefold() in seen:
                continue
            if len(word) > MAX_KEYWORD_LENGTH:
                raise ValidationError(
                    {
                        "keywords": _("A keyword can be at most %(n)d characters long.")
                        % {"n": MAX_KEYWORD_LENGTH}
                    }
                )
            seen.add(word.casefold())
            words.append(word)
        if len(words) > MAX_KEYWORDS_PER_LANGUAGE:
            raise ValidationError(
                {"keywords": _("At most %(n)d keywords per language.") % {"n": MAX_KEYWORDS_PER_LANGUAGE}}
            )
        if words:
            cleaned[language] = words
    return cleaned


def _theme_snapshot(theme: Theme) -> dict[str, Any]:
    return {"name": theme.name, "keywords": theme.keywords}


@transaction.atomic
def theme_save(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    keywords: Mapping[str, Iterable[str]],
    theme: Theme | None = None,
) -> Theme:
    """Create or edit a theme; when its keywords change, the organisation's responses are re-analysed
    in the worker."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the theme a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("A theme name can be at most 80 characters long.")})
    cleaned = _clean_keywords(keywords)
    if not cleaned:
        raise ValidationError({"keywords": _("Give at least one keyword in one language.")})
    duplicate = Theme.all_orgs.filter(organization=organization, name__iexact=name)
    if theme is not None:
        duplicate = duplicate.exclude(pk=theme.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("A theme with this name already exists.")})
    before = _theme_snapshot(theme) if theme is not None else None
    if theme is None:
        theme = Theme.all_orgs.create(organization=organization, name=name, keywords=cleaned)
    else:
        theme.name, theme.keywords, theme.updated_at = name, cleaned, timezone.now()
        theme.save(update_fields=["name", "keywords", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor.user,
        action="theme.created" if before is None else "theme.updated",
        target=theme,
        before=before,
        after=_theme_snapshot(theme),
    )
    if before is None or before["keywords"] != cleaned:
        _themes_changed(organization)
    return theme


@transaction.atomic
def theme_delete(*, theme: Theme, actor: Membership) -> None:
    """Delete a theme; the re-analysis takes its id off the responses that had it."""
    organization = theme.organization
    audit_record(
        organization=organization,
        actor=actor.user,
        action="theme.deleted",
        target=theme,
        before=_theme_snapshot(theme),
    )
    theme.delete()
    _themes_changed(organization)


@transaction.atomic
def themes_install_defaults(*, organization: Organization, actor: Membership | None = None) -> list[Theme]:
    """Add the default themes (Delivery, Price, …) the organisation does not have yet, named in its
    default language. Safe to run again: existing names are left alone."""
    existing = {
        n.casefold() for n in Theme.all_orgs.filter(organization=organization).values_list("name", flat=True)
    }
    created: list[Theme] = []
    with translation.override(organization.default_language):
        for default in DEFAULT_THEMES:
            name = str(default.name)
            if name.casefold() in existing:
                continue
            created.append(
                Theme.all_orgs.create(organization=organization, name=name, keywords=dict(default.keywords))
            )
    if created:
        audit_record(
            organization=organization,
            actor=actor.user if actor is not None else None,
            action="theme.defaults_installed",
            after={"names": [t.name for t in created]},
        )
        _themes_changed(organization)
    return created


# --- tags --------------------------------------------------------------------------------------------


def _clean_tag_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the tag a name.")})
    if len(name) > 60:
        raise ValidationError({"name": _("A tag name can be at most 60 characters long.")})
    return name


def _tag_named(organization: Organization, name: str) -> Tag | None:
    return Tag.all_orgs.filter(organization=organization, name__iexact=name).first()


@transaction.atomic
def tag_create(*, organization: Organization, actor: Membership, name: str) -> Tag:
    name = _clean_tag_name(name)
    if _tag_named(organization, name) is not None:
        raise ValidationError({"name": _("A tag with this name already exists.")})
    tag = Tag.all_orgs.create(organization=organization, name=name)
    audit_record(
        organization=organization, actor=actor.user, action="tag.created", target=tag, after={"name": name}
    )
    return tag


@transaction.atomic
def tag_rename(*, tag: Tag, actor: Membership, name: str) -> Tag:
    name = _clean_tag_name(name)
    other = _tag_named(tag.organization, name)
    if other is not None and other.pk != tag.pk:
        raise ValidationError({"name": _("A tag with this name already exists.")})
    before = {"name": tag.name}
    tag.name = name
    tag.save(update_fields=["name"])
    audit_record(
        organization=tag.organization, actor=actor.user, action="tag.renamed", target=tag, before=before,
        after={"name": name},
    )  # fmt: skip
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: Membership) -> None:
    """Delete a tag and take it off every response (each of them records ``response.changed``)."""
    response_ids = list(ResponseTag.all_orgs.filter(tag=tag).values_list("response_id", flat=True))
    audit_record(
        organization=tag.organization,
        actor=actor.user,
        action="tag.deleted",
        target=tag,
        before={"name": tag.name, "responses": len(response_ids)},
    )
    organization_id = tag.organization_id
    tag.delete()
    if response_ids:
        outbox_record_many(
            organization_id=organization_id, events=[(CHANGED, {"response_id": pk}) for pk in response_ids]
        )


@transaction.atomic
def response_tag_add(
    *, response: Response, actor: Membership, tag: Tag | None = None, name: str = ""
) -> ResponseTag:
    """Put a tag on a response: an existing tag, or one found or created by name. Adding a tag the
    response already has changes nothing."""
    organization = response.organization
    if tag is None:
        clean = _clean_tag_name(name)
        tag = _tag_named(organization, clean)
        if tag is None:
            tag = tag_create(organization=organization, actor=actor, name=clean)
    if tag.organization_id != response.organization_id:
        raise ValidationError(_("This tag belongs to another organisation."))
    link, created = ResponseTag.all_orgs.get_or_create(
        organization=organization,
        response=response,
        tag=tag,
        defaults={"added_by": actor.user},
    )
    if created:
        outbox_record_many(organization_id=organization.pk, events=[(CHANGED, {"response_id": response.pk})])
    return link


@transaction.atomic
def response_tag_remove(*, response: Response, tag: Tag, actor: Membership) -> bool:
    """Take a tag off a response; False when it did not have it."""
    deleted, _rows = ResponseTag.all_orgs.filter(response=response, tag=tag).delete()
    if deleted:
        outbox_record_many(
            organization_id=response.organization_id, events=[(CHANGED, {"response_id": response.pk})]
        )
    return bool(deleted)
