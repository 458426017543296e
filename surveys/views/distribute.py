"""Sharing a survey: its link with a source tag and a touchpoint, the QR code of that link (SVG and PNG)
and the kiosk link, under /o/<org_slug>/surveys/<survey_id>/share/.

Read-only pages (Perm.SURVEYS_VIEW): nothing is stored, the codes are drawn from the query each time.
A bad tag or a touchpoint that is not the organisation's (or outside the member's scope) is a form
error on the page and a 404 for the images.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from accounts.roles import Perm
from surveys.models import Survey, Touchpoint
from surveys.qr import (
    DEFAULT_SOURCE,
    IDLE_DEFAULT,
    IDLE_MAX,
    IDLE_MIN,
    SCALE_DEFAULT,
    SCALE_MAX,
    SCALE_MIN,
    SOURCE_TAG,
    kiosk_link,
    qr_filename,
    qr_png,
    qr_svg,
    survey_link,
)
from surveys.selectors import touchpoint_choices
from surveys.views.manage import SurveyAccessMixin, survey_tabs


class ShareForm(forms.Form):
    """The query of the share page and of the QR images (a GET form: the page can be bookmarked)."""

    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.all_orgs.none(),
        required=False,
        empty_label=_("The survey's own touchpoint"),
        help_text=_("Where this code hangs or this kiosk stands: its responses are counted there."),
    )
    source = forms.CharField(
        label=_("Source tag"),
        max_length=40,
        required=False,
        validators=[
            RegexValidator(
                SOURCE_TAG,
                _("Use 1 to 40 lower-case letters, digits, “-” or “_”, starting with a letter."),
            )
        ],
        help_text=_("Tells apart the responses of this code, e.g. “poster-lobby”."),
    )
    idle = forms.IntegerField(
        label=_("Kiosk: back to the start after (seconds without a touch)"),
        min_value=IDLE_MIN,
        max_value=IDLE_MAX,
        required=False,
    )
    scale = forms.IntegerField(
        label=_("QR code size (pixels per module)"),
        min_value=SCALE_MIN,
        max_value=SCALE_MAX,
        required=False,
    )

    def __init__(self, *args: Any, touchpoints: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["touchpoint"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = touchpoints

    def clean_source(self) -> str:
        return str(self.cleaned_data.get("source") or "").strip() or DEFAULT_SOURCE


INITIAL = {"source": DEFAULT_SOURCE, "idle": IDLE_DEFAULT, "scale": SCALE_DEFAULT}
QUERY_FIELDS = ("touchpoint", "source", "idle", "scale")


class _ShareMixin(SurveyAccessMixin):
    permission = Perm.SURVEYS_VIEW

    def share_form(self, request: HttpRequest) -> ShareForm:
        touchpoints = touchpoint_choices(organization=self.organization, scope=self.scope)
        data = {name: request.GET[name] for name in QUERY_FIELDS if name in request.GET}
        return ShareForm({**INITIAL, **data}, touchpoints=touchpoints)


def _choice(form: ShareForm) -> tuple[str, int | None, int, int]:
    data = form.cleaned_data
    touchpoint = data.get("touchpoint")
    return (
        str(data["source"]),
        touchpoint.pk if touchpoint is not None else None,
        data.get("idle") or IDLE_DEFAULT,
        data.get("scale") or SCALE_DEFAULT,
    )


class SurveyShareView(_ShareMixin, TemplateView):
    template_name = "surveys/distribute/share.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        survey = self.get_survey(self.kwargs["survey_id"])
        slug = self.organization.slug
        form = self.share_form(self.request)
        context.update(
            survey=survey,
            tabs=survey_tabs(survey, slug, "survey_share", can_edit=self.can(Perm.SURVEYS_EDIT)),
            form=form,
        )
        if form.is_valid():
            source, touchpoint_id, idle, scale = _choice(form)
            query: dict[str, str | int] = {"source": source, "scale": scale}
            if touchpoint_id is not None:
                query["touchpoint"] = touchpoint_id
            svg_url = reverse("surveys:survey_qr_svg", kwargs={"org_slug": slug, "survey_id": survey.pk})
            png_url = reverse("surveys:survey_qr_png", kwargs={"org_slug": slug, "survey_id": survey.pk})
            context.update(
                link=survey_link(survey, touchpoint_id=touchpoint_id, source=source),
                kiosk=kiosk_link(survey, touchpoint_id=touchpoint_id, idle_seconds=idle),
                svg_url=f"{svg_url}?{urlencode(query)}",
                svg_download=f"{svg_url}?{urlencode({**query, 'download': 1})}",
                png_download=f"{png_url}?{urlencode({**query, 'download': 1})}",
            )
        return context


class _QrView(_ShareMixin, View):
    http_method_names = ["get", "head"]
    kind = ""

    def get(self, request: HttpRequest, org_slug: str, survey_id: int) -> HttpResponse:
        survey = self.get_survey(survey_id)
        form = self.share_form(request)
        if not form.is_valid():
            raise Http404
        source, touchpoint_id, _idle, scale = _choice(form)
        link = survey_link(survey, touchpoint_id=touchpoint_id, source=source)
        response = self.render_code(survey, link, scale)
        disposition = "attachment" if request.GET.get("download") else "inline"
        filename = qr_filename(survey, source=source, touchpoint_id=touchpoint_id, extension=self.kind)
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        response["Cache-Control"] = "private, max-age=300"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def render_code(self, survey: Survey, link: str, scale: int) -> HttpResponse:
        raise NotImplementedError


class SurveyQrSvgView(_QrView):
    kind = "svg"

    def render_code(self, survey: Survey, link: str, scale: int) -> HttpResponse:
        return HttpResponse(qr_svg(link, scale=scale, title=survey.name), content_type="image/svg+xml")


class SurveyQrPngView(_QrView):
    kind = "png"

    def render_code(self, survey: Survey, link: str, scale: int) -> HttpResponse:
        return HttpResponse(qr_png(link, scale=scale), content_type="image/png")
