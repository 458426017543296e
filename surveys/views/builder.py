"""The survey builder: the page (a server-rendered shell around frontend/builder/), the JSON endpoint
that saves the draft, publishing, and the version history."""

from __future__ import annotations

import logging
from typing import Any

from csp.decorators import csp_update
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View

from accounts.models import User
from accounts.roles import Perm
from core.jsonbody import BodyError, parse_json_body
from core.views import OrgViewMixin
from surveys.definition.schema import (
    META_KEYS,
    DefinitionError,
    Issue,
    missing_translations,
    validate_definition,
)
from surveys.definition.types import KEY_PATTERN, QUESTION_TYPES
from surveys.models import Survey, SurveyStatus, SurveyVersion
from surveys.services import DraftConflict, DraftInvalid, survey_publish, survey_save_draft

logger = logging.getLogger(__name__)

# A draft is a few kilobytes; a generous ceiling keeps a hostile body from reaching the validator.
MAX_DRAFT_BYTES = 512 * 1024


# --- reads ---------------------------------------------------------------------------------------------


def survey_for_builder(survey_id: int) -> Survey:
    """The survey of the organisation in context; another tenant's id is a 404 like a missing one."""
    return get_object_or_404(
        Survey.objects.select_related("touchpoint", "current_version"),
        pk=survey_id,
    )


def survey_version_list(survey: Survey) -> QuerySet[SurveyVersion]:
    """Every published version, newest first, with who published it and how many responses it has."""
    return (
        SurveyVersion.objects.filter(survey=survey)
        .select_related("published_by")
        .annotate(response_count=Count("responses"))
        .order_by("-number")
    )


def _url_or_none(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


# --- what the page embeds for the script ----------------------------------------------------------------

# The builder's UI strings, translated here so that the TypeScript carries no English of its own.
# %(name)s placeholders are filled in by the script.
STRINGS: dict[str, str | Promise] = {
    "add_condition": gettext_lazy("Add condition"),
    "add_ending": gettext_lazy("Add ending"),
    "add_hidden": gettext_lazy("Add hidden field"),
    "add_item": gettext_lazy("Add %(noun)s"),
    "add_jump": gettext_lazy("Add jump rule"),
    "add_question": gettext_lazy("Add question"),
    "allow_other": gettext_lazy("Allow “other” with a text answer"),
    "always_shown": gettext_lazy("This question is always shown."),
    "base_language": gettext_lazy("Base language"),
    "base_language_help": gettext_lazy("Every text must be written in the base language."),
    "brand_colour": gettext_lazy("Brand colour"),
    "brand_colour_hex": gettext_lazy("Brand colour as a hex code"),
    "builder_sections": gettext_lazy("Builder sections"),
    "choice": gettext_lazy("choice"),
    "choices": gettext_lazy("Choices"),
    "colour_invalid": gettext_lazy("Use a colour like #0b5cad."),
    "colour_mode": gettext_lazy("Light or dark"),
    "column": gettext_lazy("column"),
    "columns": gettext_lazy("Columns"),
    "combine": gettext_lazy("Combine the conditions"),
    "combine_all": gettext_lazy("ALL must be true"),
    "combine_any": gettext_lazy("ANY may be true"),
    "comma_separated": gettext_lazy("Separate values with commas."),
    "complete_in_language": gettext_lazy("Every text has a %(language)s translation."),
    "complex_condition": gettext_lazy(
        "This condition uses NOT or nested groups, which this editor cannot show. Start over to edit it here."
    ),
    "condition_number": gettext_lazy("Condition %(number)s"),
    "conflict": gettext_lazy("Someone else saved this survey while you were editing."),
    "conflict_help": gettext_lazy(
        "Reload to see their version. Changes you made here since your last save will be lost."
    ),
    "consent_label": gettext_lazy("Consent checkbox label"),
    "consent_required": gettext_lazy("Consent must be given to continue"),
    "contact_company": gettext_lazy("Company"),
    "contact_email": gettext_lazy("Email"),
    "contact_fields": gettext_lazy("Fields to ask for"),
    "contact_name": gettext_lazy("Name"),
    "contact_phone": gettext_lazy("Phone"),
    "contact_required": gettext_lazy("%(field)s is required"),
    "default_ending_title": gettext_lazy("Thank you!"),
    "delete": gettext_lazy("Delete"),
    "delete_named": gettext_lazy("Delete “%(title)s”"),
    "delete_referenced": gettext_lazy(
        "Conditions or jumps that use “%(title)s”: %(count)s. They will stop working. Delete it anyway?"
    ),
    "deleted_question": gettext_lazy("Deleted “%(title)s”."),
    "description": gettext_lazy("Description (optional)"),
    "design": gettext_lazy("Design"),
    "desktop": gettext_lazy("Desktop"),
    "drag_to_reorder": gettext_lazy("Drag to reorder"),
    "duplicate": gettext_lazy("Duplicate"),
    "duplicate_named": gettext_lazy("Duplicate “%(title)s”"),
    "editor_empty_help": gettext_lazy("Add a question with the type picker, or select one in the list."),
    "editor_empty_title": gettext_lazy("No question selected"),
    "editor_title": gettext_lazy("Question %(number)s · %(type)s"),
    "ending_added": gettext_lazy("Ending added."),
    "ending_default": gettext_lazy("Ending “%(key)s” (shown when no jump chooses another)"),
    "ending_key": gettext_lazy("Ending key"),
    "ending_key_help": gettext_lazy("Jumps refer to the ending by this key."),
    "ending_message": gettext_lazy("Show a thank-you message"),
    "ending_named": gettext_lazy("Ending “%(key)s”"),
    "ending_redirect": gettext_lazy("Redirect to a web address"),
    "ending_removed": gettext_lazy("Ending “%(key)s” removed."),
    "ending_text": gettext_lazy("Message"),
    "ending_title": gettext_lazy("Title"),
    "ending_type": gettext_lazy("What happens at the end"),
    "ending_used_by": gettext_lazy("Jump rules ending here: %(count)s"),
    "endings": gettext_lazy("Endings"),
    "endings_help": gettext_lazy(
        "The first ending is shown when no jump chooses another. Jump rules can end the survey with any of them."
    ),
    "hidden_added": gettext_lazy("Hidden field “%(name)s” added."),
    "hidden_field": gettext_lazy("Hidden field"),
    "hidden_fields": gettext_lazy("Hidden fields"),
    "hidden_help": gettext_lazy(
        "Values passed in the survey link (?plan=pro) or by the embedding site. Logic can use them and "
        "texts can recall them with {{hidden.name}}."
    ),
    "hidden_name": gettext_lazy("New hidden field name"),
    "hidden_removed": gettext_lazy("Hidden field “%(name)s” removed."),
    "high_label": gettext_lazy("Label of the highest score"),
    "issue_in_endings": gettext_lazy("Endings"),
    "issue_in_question": gettext_lazy("Question “%(key)s”"),
    "issue_in_settings": gettext_lazy("Survey settings"),
    "item_key": gettext_lazy("Key of %(noun)s %(number)s"),
    "item_label": gettext_lazy("Label of %(noun)s %(number)s"),
    "jump_end": gettext_lazy("end the survey with"),
    "jump_end_target": gettext_lazy("Ending"),
    "jump_goto": gettext_lazy("jump to question"),
    "jump_goto_target": gettext_lazy("Target question"),
    "jump_rule": gettext_lazy("Jump rule %(number)s"),
    "jumps": gettext_lazy("After this question"),
    "jumps_help": gettext_lazy(
        "Rules are tried in order; the first whose conditions hold decides. Without one, the next question follows."
    ),
    "key_help": gettext_lazy(
        "Results line up across versions by this key: lower-case letters, digits and underscores."
    ),
    "key_help_live": gettext_lazy(
        "This question is published. Changing its key separates its new results from the earlier ones."
    ),
    "key_invalid": gettext_lazy("Use lower-case letters, digits and underscores, starting with a letter."),
    "key_taken": gettext_lazy("This key is already used."),
    "layout": gettext_lazy("Layout"),
    "layout_all": gettext_lazy("All questions on one page"),
    "layout_one": gettext_lazy("One question per screen"),
    "live_changed": gettext_lazy("Live version v%(number)s — the draft has unpublished changes"),
    "live_same": gettext_lazy("Live version v%(number)s — the draft matches it"),
    "logic": gettext_lazy("Logic"),
    "logo_alt": gettext_lazy("Logo"),
    "logo_help": gettext_lazy("An https:// address of an image, or empty."),
    "logo_invalid": gettext_lazy("The logo must be an https:// address."),
    "logo_url": gettext_lazy("Logo address"),
    "look_at": gettext_lazy("Look at"),
    "low_label": gettext_lazy("Label of the lowest score"),
    "max_length": gettext_lazy("Maximum length"),
    "max_selected": gettext_lazy("At most this many selected"),
    "meta_channel": gettext_lazy("Channel"),
    "meta_device": gettext_lazy("Device"),
    "meta_language": gettext_lazy("Language"),
    "meta_locale": gettext_lazy("Locale"),
    "meta_referrer": gettext_lazy("Referrer"),
    "meta_source": gettext_lazy("Source"),
    "meta_url": gettext_lazy("Page address"),
    "metadata": gettext_lazy("Metadata"),
    "min_length": gettext_lazy("Minimum length"),
    "min_selected": gettext_lazy("At least this many selected"),
    "missing": gettext_lazy("Missing"),
    "missing_count": gettext_lazy("Missing: %(count)s"),
    "missing_in_language": gettext_lazy("Texts without a %(language)s translation: %(count)s"),
    "missing_target": gettext_lazy("Missing: %(key)s"),
    "mobile": gettext_lazy("Mobile"),
    "mode_auto": gettext_lazy("Follow the device"),
    "mode_dark": gettext_lazy("Dark"),
    "mode_light": gettext_lazy("Light"),
    "move_down": gettext_lazy("Move “%(title)s” down"),
    "move_up": gettext_lazy("Move “%(title)s” up"),
    "moved_to": gettext_lazy("Moved to position %(position)s of %(total)s"),
    "no": gettext_lazy("No"),
    "no_hidden_fields": gettext_lazy("No hidden fields yet."),
    "no_questions": gettext_lazy("No questions yet."),
    "no_translations": gettext_lazy("Add a language above to translate the survey."),
    "not_published": gettext_lazy("Not published yet"),
    "not_saved": gettext_lazy("Not saved: %(reason)s"),
    "nothing_to_translate": gettext_lazy("There is no text to translate yet."),
    "number_range": gettext_lazy("Enter a whole number from %(min)s to %(max)s, or leave it empty."),
    "op_answered": gettext_lazy("is answered"),
    "op_answered_field": gettext_lazy("is given"),
    "op_between": gettext_lazy("is between"),
    "op_contains": gettext_lazy("contains"),
    "op_contains_any": gettext_lazy("contains any of the words"),
    "op_contains_list": gettext_lazy("includes"),
    "op_eq": gettext_lazy("is"),
    "op_eq_list": gettext_lazy("is exactly"),
    "op_gt": gettext_lazy("is more than"),
    "op_gte": gettext_lazy("is at least"),
    "op_in": gettext_lazy("is one of"),
    "op_in_list": gettext_lazy("includes any of"),
    "op_lt": gettext_lazy("is less than"),
    "op_lte": gettext_lazy("is at most"),
    "op_neq": gettext_lazy("is not"),
    "op_not_answered": gettext_lazy("is not answered"),
    "op_not_answered_field": gettext_lazy("is not given"),
    "op_not_contains": gettext_lazy("does not contain"),
    "op_not_contains_list": gettext_lazy("does not include"),
    "op_not_in": gettext_lazy("is none of"),
    "operator": gettext_lazy("Condition"),
    "options": gettext_lazy("Options"),
    "other_answer": gettext_lazy("Other"),
    "other_answer_text": gettext_lazy("Other: please specify"),
    "piping_help": gettext_lazy(
        "Recall an earlier answer with {{answer.key}} or a hidden field with {{hidden.name}}."
    ),
    "placeholder": gettext_lazy("Placeholder"),
    "points": gettext_lazy("Points"),
    "preview": gettext_lazy("Preview"),
    "preview_back": gettext_lazy("Back"),
    "preview_choose": gettext_lazy("Choose…"),
    "preview_device_changed": gettext_lazy("Preview size: %(device)s"),
    "preview_empty": gettext_lazy("Add a question to see it here."),
    "preview_finish": gettext_lazy("Finish"),
    "preview_language": gettext_lazy("Preview language"),
    "preview_next": gettext_lazy("Next"),
    "preview_redirect": gettext_lazy("The respondent is sent to %(url)s"),
    "preview_required": gettext_lazy("This question needs an answer."),
    "preview_required_mark": gettext_lazy("required"),
    "preview_restarted": gettext_lazy("Preview restarted."),
    "preview_size": gettext_lazy("Preview size"),
    "preview_submit": gettext_lazy("Submit"),
    "problem_count": gettext_lazy("Problems: %(count)s"),
    "problems_title": gettext_lazy("Fix these to save (%(count)s)"),
    "progress": gettext_lazy("Show a progress bar"),
    "progress_label": gettext_lazy("Question %(done)s of %(total)s"),
    "publish_blocked_conflict": gettext_lazy("Reload the builder before publishing."),
    "publish_blocked_empty": gettext_lazy("Add at least one question before publishing."),
    "publish_blocked_invalid": gettext_lazy("Fix the problems listed above before publishing."),
    "publish_blocked_unchanged": gettext_lazy("The draft matches the live version: nothing to publish."),
    "publish_blocked_unsaved": gettext_lazy("Wait until your changes are saved."),
    "question": gettext_lazy("Answer to question"),
    "question_added": gettext_lazy("%(type)s question added at position %(position)s."),
    "question_deleted": gettext_lazy("Deleted “%(title)s”. Undo is available."),
    "question_duplicated": gettext_lazy("Copy added at position %(position)s."),
    "question_key": gettext_lazy("Question key"),
    "question_restored": gettext_lazy("Restored “%(title)s”."),
    "question_text": gettext_lazy("Question text"),
    "question_type": gettext_lazy("Question type"),
    "questions": gettext_lazy("Questions"),
    "randomize": gettext_lazy("Show the choices in random order"),
    "redirect_help": gettext_lazy("A full address starting with https://."),
    "redirect_url": gettext_lazy("Redirect address"),
    "reload": gettext_lazy("Reload"),
    "remove": gettext_lazy("Remove"),
    "remove_condition": gettext_lazy("Remove condition %(number)s"),
    "remove_jump": gettext_lazy("Remove jump rule %(number)s"),
    "remove_named": gettext_lazy("Remove “%(title)s”"),
    "required": gettext_lazy("An answer is required"),
    "restart": gettext_lazy("Restart"),
    "row": gettext_lazy("row"),
    "rows": gettext_lazy("Rows"),
    "save_failed_network": gettext_lazy("the server could not be reached. Your changes are kept here."),
    "save_failed_status": gettext_lazy("the server answered with error %(status)s."),
    "saved": gettext_lazy("All changes saved."),
    "saving": gettext_lazy("Saving…"),
    "settings": gettext_lazy("Settings"),
    "show_only_if": gettext_lazy("Show this question only if…"),
    "source_answer": gettext_lazy("an answer"),
    "source_hidden": gettext_lazy("a hidden field"),
    "source_meta": gettext_lazy("metadata"),
    "start_over": gettext_lazy("Start over"),
    "style": gettext_lazy("Style"),
    "style_faces": gettext_lazy("Faces"),
    "style_numbers": gettext_lazy("Numbers"),
    "style_stars": gettext_lazy("Stars"),
    "style_thumbs": gettext_lazy("Thumbs up or down"),
    "survey_languages": gettext_lazy("Survey languages"),
    "tab_design": gettext_lazy("Design"),
    "tab_endings": gettext_lazy("Endings"),
    "tab_hidden": gettext_lazy("Hidden fields"),
    "tab_questions": gettext_lazy("Questions"),
    "tab_translations": gettext_lazy("Translations"),
    "text_validation": gettext_lazy("Validation"),
    "text_variant": gettext_lazy("Answer box"),
    "theme": gettext_lazy("Theme"),
    "then": gettext_lazy("Then"),
    "translate_into": gettext_lazy("Translate into"),
    "translation_of": gettext_lazy("%(language)s: %(where)s"),
    "translation_table": gettext_lazy("Texts in %(base)s and their %(language)s translations"),
    "translations": gettext_lazy("Languages and translations"),
    "translations_missing_status": gettext_lazy("Texts without translation: %(count)s."),
    "undo": gettext_lazy("Undo"),
    "unsaved": gettext_lazy("Unsaved changes…"),
    "validation_email": gettext_lazy("Email address"),
    "validation_none": gettext_lazy("Any text"),
    "validation_number": gettext_lazy("Number"),
    "validation_phone": gettext_lazy("Phone number"),
    "value": gettext_lazy("Value"),
    "value_from": gettext_lazy("From"),
    "value_to": gettext_lazy("To"),
    "values": gettext_lazy("Values"),
    "variant_long": gettext_lazy("Long (several lines)"),
    "variant_short": gettext_lazy("Short (one line)"),
    "visibility": gettext_lazy("Show this question"),
    "where": gettext_lazy("Text"),
    "yes": gettext_lazy("Yes"),
}


# The label of a new choice, row or column, in the survey's base language; the script fills in the number.
CHOICE_LABEL = gettext_lazy("Option %(number)s")


def question_defaults(language: str) -> dict[str, dict[str, Any]]:
    """The starting content of a new question of each type, written in the survey's base language, so
    that a question is valid (and the draft saves) the moment it is added."""

    def texts(value: str) -> dict[str, str]:
        return {language: value}

    with translation.override(language):
        defaults: dict[str, dict[str, Any]] = {
            "nps": {
                "text": texts(_("How likely are you to recommend us to a friend or colleague?")),
                "required": True,
                "options": {
                    "low_label": texts(_("Not at all likely")),
                    "high_label": texts(_("Extremely likely")),
                },
            },
            "csat": {
                "text": texts(_("How satisfied are you with our service?")),
                "required": True,
                "options": {"style": "stars"},
            },
            "ces": {
                "text": texts(_("How easy was it to get what you needed?")),
                "required": True,
                "options": {"low_label": texts(_("Very difficult")), "high_label": texts(_("Very easy"))},
            },
            "rating": {
                "text": texts(_("How would you rate your experience?")),
                "options": {"points": 5, "style": "stars"},
            },
            "single_choice": {"text": texts(_("Which one fits best?"))},
            "multiple_choice": {"text": texts(_("Which of these apply?"))},
            "dropdown": {"text": texts(_("Choose one"))},
            "text": {
                "text": texts(_("What could we do better?")),
                "options": {"variant": "long", "validation": "none"},
            },
            "yes_no": {"text": texts(_("Did we solve your problem?"))},
            "matrix": {"text": texts(_("How do you rate the following?"))},
            "ranking": {"text": texts(_("Put these in order of importance"))},
            "consent": {
                "text": texts(_("May we contact you about your feedback?")),
                "options": {"label": texts(_("Yes, you may contact me about my feedback."))},
            },
            "contact": {
                "text": texts(_("How can we reach you?")),
                "options": {"fields": {"name": {"required": False}, "email": {"required": True}}},
            },
            "info": {"text": texts(_("Thank you for your answers so far."))},
        }
        for qtype in ("single_choice", "multiple_choice", "dropdown", "ranking"):
            defaults[qtype]["choices"] = [
                {"key": f"option_{n}", "label": texts(str(CHOICE_LABEL) % {"number": n})} for n in (1, 2, 3)
            ]
        defaults["matrix"]["rows"] = [
            {"key": "speed", "label": texts(_("Speed"))},
            {"key": "quality", "label": texts(_("Quality"))},
        ]
        defaults["matrix"]["columns"] = [
            {"key": "poor", "label": texts(_("Poor"))},
            {"key": "fair", "label": texts(_("Fair"))},
            {"key": "good", "label": texts(_("Good"))},
        ]
    return defaults


def builder_data(*, survey: Survey, urls: dict[str, str]) -> dict[str, Any]:
    """Everything the builder script needs, embedded with json_script (no inline script, CSP-safe)."""
    live = survey.current_version
    try:
        # A saved draft is valid; one saved under older rules shows its problems at once.
        validate_definition(survey.draft)
        issues: list[dict[str, str | None]] = []
    except DefinitionError as exc:
        issues = [issue.as_dict() for issue in exc.issues]
    with translation.override(survey.base_language):
        choice_label = str(CHOICE_LABEL)
    return {
        "survey": {
            "name": survey.name,
            "touchpoint": survey.touchpoint.name,
            "status": survey.status,
        },
        "definition": survey.draft,
        "revision": survey.draft_revision,
        "live": {"number": live.number, "definition": live.definition} if live is not None else None,
        "question_types": [
            {
                "key": qtype.key,
                "label": str(qtype.label),
                "answerable": qtype.answerable,
                "has_choices": qtype.has_choices,
                "scale": list(qtype.scale) if qtype.scale else None,
            }
            for qtype in QUESTION_TYPES.values()
        ],
        "languages": [{"code": code, "name": str(name)} for code, name in settings.LANGUAGES],
        "meta_keys": list(META_KEYS),
        "key_pattern": KEY_PATTERN,
        "urls": urls,
        "defaults": question_defaults(survey.base_language),
        "choice_label": choice_label,
        "issues": issues,
        "strings": {name: str(text) for name, text in STRINGS.items()},
    }


# --- pages -------------------------------------------------------------------------------------------


class SurveyPageMixin(OrgViewMixin):
    def breadcrumb_urls(self, survey: Survey) -> dict[str, str | None]:
        # The management pages are optional here: the builder works without them.
        slug = self.organization.slug
        return {
            "survey_list_url": _url_or_none("surveys:survey_list", org_slug=slug),
            "survey_detail_url": _url_or_none("surveys:survey_detail", org_slug=slug, survey_id=survey.pk),
        }

    def survey_urls(self, survey: Survey) -> dict[str, str]:
        kwargs = {"org_slug": self.organization.slug, "survey_id": survey.pk}
        return {
            "builder": reverse("surveys:builder", kwargs=kwargs),
            "draft": reverse("surveys:builder_draft", kwargs=kwargs),
            "publish": reverse("surveys:builder_publish", kwargs=kwargs),
            "versions": reverse("surveys:survey_versions", kwargs=kwargs),
        }


def _allow_https_images(view: Any) -> Any:
    # The preview shows the survey's logo, which may live on the organisation's own https site.
    return method_decorator(csp_update({"img-src": ["https:"]}), name="dispatch")(view)


@_allow_https_images
class BuilderView(SurveyPageMixin, TemplateView):
    permission = Perm.SURVEYS_EDIT
    template_name = "surveys/builder/builder.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        survey = survey_for_builder(self.kwargs["survey_id"])
        urls = self.survey_urls(survey)
        live = survey.current_version
        context.update(
            survey=survey,
            urls=urls,
            data=builder_data(survey=survey, urls=urls),
            live_version=live,
            live_differs=live is not None and live.definition != survey.draft,
            **self.breadcrumb_urls(survey),
        )
        return context


class BuilderDraftView(SurveyPageMixin, View):
    """POST {"definition": {...}, "revision": n}: saves the draft; JSON answers only, never a 500."""

    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, survey_id: int) -> HttpResponse:
        survey = survey_for_builder(survey_id)
        parsed = _parse_draft_body(request)
        if isinstance(parsed, JsonResponse):
            return parsed
        definition, revision = parsed
        user = request.user
        assert isinstance(user, User)
        try:
            saved = survey_save_draft(survey=survey, definition=definition, revision=revision, actor=user)
        except DraftConflict as exc:
            return JsonResponse({"detail": " ".join(exc.messages)}, status=409)
        except DraftInvalid as exc:
            issues = [issue.as_dict() for issue in exc.issues]
            return _problem(_invalid_detail(issues), issues=issues)
        except (TypeError, AttributeError, KeyError, ValueError):
            # The validator expects the shapes it documents; a value of a wholly wrong type (a list
            # where a key belongs) can trip it. Refuse like any invalid draft, and leave a trace.
            logger.warning("builder.draft_unreadable", extra={"survey": survey.pk}, exc_info=True)
            message = _("The definition has values of the wrong type.")
            return _problem(message, issues=[Issue("", message).as_dict()])
        return JsonResponse({"revision": saved.draft_revision, "warnings": missing_translations(saved.draft)})


def _parse_draft_body(request: HttpRequest) -> tuple[Any, int] | JsonResponse:
    """(definition, revision) from the body, or the JsonResponse that refuses it."""
    payload = _read_json(request)
    if isinstance(payload, JsonResponse):
        return payload
    if not isinstance(payload, dict) or "definition" not in payload:
        return _problem(_("Send an object with the definition and the revision it was loaded at."))
    revision = payload.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        return _problem(_("The revision must be a whole number."))
    return payload["definition"], revision


def _problem(
    detail: str, *, issues: list[dict[str, str | None]] | None = None, status: int = 400
) -> JsonResponse:
    return JsonResponse({"detail": detail, "issues": issues or []}, status=status)


def _invalid_detail(issues: list[dict[str, str | None]]) -> str:
    first = str(issues[0]["message"]) if issues else ""
    return ngettext(
        "The draft has a problem: %(first)s",
        "The draft has %(count)d problems. The first: %(first)s",
        len(issues),
    ) % {"count": len(issues), "first": first}


def _read_json(request: HttpRequest) -> Any:
    """The parsed body, or the JsonResponse that refuses it (413 too large, 400 not acceptable JSON)."""
    too_large = _problem(
        _("The survey is too large to save (at most %(kb)d KB).") % {"kb": MAX_DRAFT_BYTES // 1024},
        status=413,
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_DRAFT_BYTES:
        return too_large
    try:
        body = request.body
    except RequestDataTooBig:
        return too_large
    if len(body) > MAX_DRAFT_BYTES:
        return too_large
    try:
        return parse_json_body(body)
    except BodyError as exc:
        return _problem(str(exc))


class PublishForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note for this version"), max_length=200, required=False)


class BuilderPublishView(SurveyPageMixin, View):
    permission = Perm.SURVEYS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, survey_id: int) -> HttpResponseRedirect:
        survey = survey_for_builder(survey_id)
        back = redirect("surveys:builder", org_slug=self.organization.slug, survey_id=survey.pk)
        form = PublishForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("note", []):
                messages.error(request, str(error))
            return back
        try:
            version = survey_publish(survey=survey, actor=self.membership, note=form.cleaned_data["note"])
        except DraftInvalid as exc:
            messages.error(request, _("Not published: fix these problems first."))
            for issue in exc.issues[:10]:
                where = _("Question “%(key)s”") % {"key": issue.question} if issue.question else issue.path
                messages.error(request, f"{where}: {issue.message}" if where else str(issue.message))
            return back
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return back
        messages.success(
            request, _("Version %(number)d is live. New responses use it.") % {"number": version.number}
        )
        return back


class SurveyVersionsView(SurveyPageMixin, TemplateView):
    permission = Perm.SURVEYS_VIEW
    template_name = "surveys/builder/versions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        survey = survey_for_builder(self.kwargs["survey_id"])
        context.update(
            survey=survey,
            versions=list(survey_version_list(survey)),
            can_edit=self.can(Perm.SURVEYS_EDIT),
            is_live=survey.status == SurveyStatus.LIVE,
            urls=self.survey_urls(survey),
            **self.breadcrumb_urls(survey),
        )
        return context
