"""The secret-key feedback API: POST /feedback, POST /feedback/batch, GET /responses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import OrgAPIView
from core.authentication import ApiKeyPrincipal
from core.ratelimit import Rate, check_all
from core.tenancy import current_organization
from feedback.api.common import ErrorOutput, Refused, field_errors, read_json_object
from feedback.models import Channel
from feedback.models import Response as FeedbackResponse
from feedback.services import ContactRef, FeedbackItem, SubmissionInvalid, feedback_ingest

BATCH_LIMIT = 1000
PAGE_SIZE = 100
PAGE_SIZE_LIMIT = 500


class ContactInput(serializers.Serializer[Any]):
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=128, default="")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    attributes = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)


class ScoresInput(serializers.Serializer[Any]):
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False)
    csat = serializers.IntegerField(min_value=1, max_value=5, required=False)
    ces = serializers.IntegerField(min_value=1, max_value=7, required=False)


class FeedbackInput(serializers.Serializer[Any]):
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        allow_blank=False,
        help_text="Your id for this feedback. Sending it again never creates a second response.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    survey = serializers.CharField(
        max_length=16, required=False, help_text="A survey's public id: the answers are validated against it."
    )
    touchpoint = serializers.IntegerField(required=False, min_value=1)
    answers = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    scores = ScoresInput(required=False)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=20_000, default="", trim_whitespace=False
    )
    language = serializers.CharField(required=False, allow_blank=True, max_length=16)
    contact = ContactInput(required=False)
    hidden_fields = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    metadata = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    received_at = serializers.DateTimeField(required=False)
    finished = serializers.BooleanField(required=False, default=True)


class FeedbackOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    created = serializers.BooleanField()


class BatchInput(serializers.Serializer[Any]):
    items = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=BATCH_LIMIT, allow_empty=False
    )


BatchItemOutput = inline_serializer(
    name="BatchItemResult",
    fields={
        "index": serializers.IntegerField(),
        "status": serializers.IntegerField(help_text="201 stored, 200 already stored, 400 refused."),
        "id": serializers.IntegerField(allow_null=True),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
    many=True,
)


class BatchOutput(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BatchItemOutput


def _item(data: dict[str, Any]) -> FeedbackItem:
    contact = data.get("contact") or {}
    return FeedbackItem(
        channel=data["channel"],
        external_id=data.get("external_id") or None,
        survey_public_id=data.get("survey") or None,
        touchpoint_id=data.get("touchpoint"),
        answers=data.get("answers") or {},
        scores=dict(data.get("scores") or {}),
        comment=data.get("comment", ""),
        language=data.get("language") or None,
        contact=ContactRef(
            email=contact.get("email", ""),
            phone=contact.get("phone", ""),
            external_id=contact.get("external_id", ""),
            name=contact.get("name", ""),
            attributes=contact.get("attributes") or {},
        ),
        hidden_fields=data.get("hidden_fields") or {},
        meta=data.get("metadata") or {},
        received_at=data.get("received_at"),
        finished=data.get("finished", True),
    )


class IngestView(OrgAPIView):
    """Secret-key ingestion: counted against the key's rate limit before anything else."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        principal = request.user
        assert isinstance(principal, ApiKeyPrincipal)
        decision = check_all(
            [("secret-key", principal.key.prefix, Rate.parse(settings.RATE_LIMIT_SECRET_KEY))]
        )
        if not decision.allowed:
            raise Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                _("Too many requests. Try again later."),
                Retry_After=str(decision.retry_after),
            )

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Refused):
            return exc.response
        return super().handle_exception(exc)


FEEDBACK_EXAMPLE = {
    "external_id": "appstore-review-88213",
    "channel": "app_review",
    "touchpoint": 12,
    "scores": {"csat": 2},
    "comment": "The app logs me out every day.",
    "language": "en",
    "contact": {"email": "ana@example.com", "attributes": {"plan": "pro"}},
    "metadata": {"store": "ios", "app_version": "5.2.1"},
    "received_at": "2026-11-20T09:30:00Z",
}


class FeedbackCreateView(IngestView):
    @extend_schema(
        operation_id="feedback_create",
        request=FeedbackInput,
        responses={
            201: FeedbackOutput,
            200: OpenApiResponse(FeedbackOutput, description="Already stored."),
            400: ErrorOutput,
            401: ErrorOutput,
            403: ErrorOutput,
            413: ErrorOutput,
            429: ErrorOutput,
            503: ErrorOutput,
        },
        examples=[
            OpenApiExample("An app-store review", value=FEEDBACK_EXAMPLE, request_only=True),
            OpenApiExample(
                "A server-side survey answer",
                request_only=True,
                value={
                    "external_id": "order-5531-nps",
                    "channel": "email",
                    "survey": "Xk3p9QaL",
                    "answers": {"nps": 6, "why": "Delivery took a week."},
                    "contact": {"email": "li@example.com"},
                },
            ),
            OpenApiExample(
                "Stored",
                value={"id": 4711, "external_id": "appstore-review-88213", "created": True},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        body = read_json_object(request, settings.INGEST_MAX_RESPONSE_BYTES)
        payload = FeedbackInput(data=body)
        if not payload.is_valid():
            raise Refused(
                status.HTTP_400_BAD_REQUEST, _("The request is not valid."), field_errors(payload.errors)
            )
        try:
            result = feedback_ingest(
                organization_id=current_organization().pk, item=_item(payload.validated_data)
            )
        except SubmissionInvalid as exc:
            raise Refused(status.HTTP_400_BAD_REQUEST, _("The request is not valid."), exc.errors) from None
        return Response(
            {"id": result.response.pk, "external_id": result.response.external_id, "created": result.created},
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class FeedbackBatchView(IngestView):
    @extend_schema(
        operation_id="feedback_batch",
        request=BatchInput,
        responses={
            200: BatchOutput,
            400: ErrorOutput,
            401: ErrorOutput,
            403: ErrorOutput,
            413: ErrorOutput,
            429: ErrorOutput,
            503: ErrorOutput,
        },
        examples=[
            OpenApiExample(
                "Two reviews",
                value={
                    "items": [
                        FEEDBACK_EXAMPLE,
                        {
                            **FEEDBACK_EXAMPLE,
                            "external_id": "appstore-review-88214",
                            "scores": {"csat": 5},
                            "comment": "Love it",
                        },
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "One stored, one refused",
                response_only=True,
                value={
                    "created": 1,
                    "existing": 0,
                    "failed": 1,
                    "results": [
                        {"index": 0, "status": 201, "id": 4712, "errors": {}},
                        {
                            "index": 1,
                            "status": 400,
                            "id": None,
                            "errors": {"scores.csat": ["Ensure this value is less than or equal to 5."]},
                        },
                    ],
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        body = read_json_object(request, settings.INGEST_MAX_BATCH_BYTES)
        batch = BatchInput(data=body)
        if not batch.is_valid():
            raise Refused(
                status.HTTP_400_BAD_REQUEST, _("The request is not valid."), field_errors(batch.errors)
            )
        organization_id = current_organization().pk
        results: list[dict[str, Any]] = []
        # One transaction: the answer is sent only after every stored item is committed. Each item has
        # its own savepoint, so a refused item does not undo the others.
        with transaction.atomic():
            for index, raw in enumerate(batch.validated_data["items"]):
                results.append(self._one(organization_id, index, raw))
        counts = {"created": 0, "existing": 0, "failed": 0}
        for result in results:
            counts[{201: "created", 200: "existing"}.get(result["status"], "failed")] += 1
        return Response({**counts, "results": results})

    def _one(self, organization_id: int, index: int, raw: dict[str, Any]) -> dict[str, Any]:
        payload = FeedbackInput(data=raw)
        if not payload.is_valid():
            return {"index": index, "status": 400, "id": None, "errors": field_errors(payload.errors)}
        try:
            with transaction.atomic():
                result = feedback_ingest(organization_id=organization_id, item=_item(payload.validated_data))
        except SubmissionInvalid as exc:
            return {"index": index, "status": 400, "id": None, "errors": exc.errors}
        return {
            "index": index,
            "status": 201 if result.created else 200,
            "id": result.response.pk,
            "errors": {},
        }


class ResponseOutput(serializers.ModelSerializer[FeedbackResponse]):
    survey = serializers.CharField(source="survey.public_id", allow_null=True, default=None)
    survey_version = serializers.IntegerField(source="survey_version.number", allow_null=True, default=None)
    touchpoint = serializers.IntegerField(source="touchpoint_id", allow_null=True)
    contact = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()

    class Meta:
        model = FeedbackResponse
        fields = [
            "id",
            "client_id",
            "external_id",
            "survey",
            "survey_version",
            "channel",
            "touchpoint",
            "language",
            "answers",
            "scores",
            "comment",
            "contact",
            "hidden_fields",
            "metadata",
            "started_at",
            "finished_at",
            "received_at",
        ]

    def get_contact(self, obj: FeedbackResponse) -> dict[str, str] | None:
        if obj.contact is None:
            return None
        return {
            "id": str(obj.contact.pk),
            "email": obj.contact.email,
            "phone": obj.contact.phone,
            "external_id": obj.contact.external_id,
            "name": obj.contact.name,
        }

    def get_scores(self, obj: FeedbackResponse) -> dict[str, int | None]:
        return {"nps": obj.nps, "csat": obj.csat, "ces": obj.ces}

    def get_metadata(self, obj: FeedbackResponse) -> dict[str, Any]:
        return {key: value for key, value in obj.meta.items() if key != "ip_hash"}


class ResponseFilters(serializers.Serializer[Any]):
    survey = serializers.CharField(required=False, max_length=16)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    touchpoint = serializers.IntegerField(required=False, min_value=1)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    finished = serializers.BooleanField(required=False, allow_null=True, default=None)
    received_after = serializers.DateTimeField(required=False)
    received_before = serializers.DateTimeField(required=False)
    # Read by the paginator; declared here so that a page size out of range is refused, not clamped.
    cursor = serializers.CharField(required=False, help_text="From the next or previous link of a page.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_LIMIT, help_text=f"Default {PAGE_SIZE}."
    )


class ResponsePagination(CursorPagination):
    ordering = ("-received_at", "-id")
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = PAGE_SIZE_LIMIT

    def decode_cursor(self, request: Request) -> Any:
        # DRF answers a bad cursor with 404; it is bad input, like any other invalid parameter.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"cursor": [_("This cursor is not valid. Follow the next or previous link of a page.")]}
            ) from None


ResponsePageOutput = inline_serializer(
    name="ResponsePage",
    fields={
        "next": serializers.URLField(allow_null=True, help_text="The next (older) page, or null."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous (newer) page, or null."),
        "results": ResponseOutput(many=True),
    },
)


class ResponseListView(OrgAPIView):
    @extend_schema(
        operation_id="responses_list",
        parameters=[ResponseFilters],
        responses={200: ResponsePageOutput, 400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput},
        examples=[
            OpenApiExample(
                "A page of one response",
                response_only=True,
                status_codes=["200"],
                value={
                    "next": "https://cx.example.com/api/v1/responses?cursor=cD0yMDI2LTExLTIw",
                    "previous": None,
                    "results": [
                        {
                            "id": 4711,
                            "client_id": None,
                            "external_id": "appstore-review-88213",
                            "survey": None,
                            "survey_version": None,
                            "channel": "app_review",
                            "touchpoint": 12,
                            "language": "en",
                            "answers": {"csat": 2},
                            "scores": {"nps": None, "csat": 2, "ces": None},
                            "comment": "The app logs me out every day.",
                            "contact": {
                                "id": "88",
                                "email": "ana@example.com",
                                "phone": "",
                                "external_id": "",
                                "name": "",
                            },
                            "hidden_fields": {},
                            "metadata": {"store": "ios", "app_version": "5.2.1"},
                            "started_at": "2026-11-20T09:30:00Z",
                            "finished_at": "2026-11-20T09:30:00Z",
                            "received_at": "2026-11-20T09:30:00Z",
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        filters = ResponseFilters(data=request.query_params)
        # A query string's blank value would otherwise count as "not given" and widen the filter.
        blank = {
            name: [_("This field may not be blank.")]
            for name in ResponseFilters().get_fields()
            if name in request.query_params and not request.query_params[name].strip()
        }
        if blank or not filters.is_valid():
            return Response(
                {"detail": _("The request is not valid."), "errors": blank or field_errors(filters.errors)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        queryset = self._filtered(filters.validated_data)
        paginator = ResponsePagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ResponseOutput(page, many=True).data)

    def _filtered(self, f: dict[str, Any]) -> QuerySet[FeedbackResponse]:
        queryset = FeedbackResponse.objects.select_related("survey", "survey_version", "contact")
        if "survey" in f:
            queryset = queryset.filter(survey__public_id=f["survey"])
        for field in ("channel", "language"):
            if field in f:
                queryset = queryset.filter(**{field: f[field]})
        if "touchpoint" in f:
            queryset = queryset.filter(touchpoint_id=f["touchpoint"])
        if f.get("finished") is not None:
            queryset = queryset.filter(finished_at__isnull=not f["finished"])
        if "received_after" in f:
            queryset = queryset.filter(received_at__gte=f["received_after"])
        if "received_before" in f:
            queryset = queryset.filter(received_at__lt=f["received_before"])
        return queryset
