"""The SQL that defines what the rollups count, shared by the rollup rebuild and the raw read path.

Both paths run these expressions over the same source: a subquery of responses (``src``) whose columns
are the response's own plus ``r_day`` (organisation-local date), ``r_stage`` (journey stage through the
touchpoint) and ``r_period`` (start of the reporting period). So a number read from the rollups and the
same number read from the raw rows are computed by one definition.
"""

from __future__ import annotations

from typing import Any

from analytics.metrics import TALLY_FIELDS

# One aggregate per ``Tally`` field, over the rows of ``src`` aliased ``r``.
TALLY_AGGREGATES: dict[str, str] = {
    "responses": "count(*)",
    "finished": "count(*) FILTER (WHERE r.finished_at IS NOT NULL)",
    "nps_n": "count(r.nps)",
    "promoters": "count(*) FILTER (WHERE r.nps >= 9)",
    "detractors": "count(*) FILTER (WHERE r.nps <= 6)",
    "csat_n": "count(r.csat)",
    "csat_satisfied": "count(*) FILTER (WHERE r.csat >= 4)",
    "ces_n": "count(r.ces)",
    "ces_sum": "coalesce(sum(r.ces), 0)",
    "ces_sumsq": "coalesce(sum(r.ces::bigint * r.ces), 0)",
    "ces_easy": "count(*) FILTER (WHERE r.ces >= 5)",
    "comments": "count(*) FILTER (WHERE r.comment <> '')",
    "positive": "count(*) FILTER (WHERE r.sentiment = 'positive')",
    "neutral": "count(*) FILTER (WHERE r.sentiment = 'neutral')",
    "negative": "count(*) FILTER (WHERE r.sentiment = 'negative')",
}
if tuple(TALLY_AGGREGATES) != TALLY_FIELDS:  # pragma: no cover - a definition out of step is a bug
    raise ImportError("TALLY_AGGREGATES must list the Tally fields in order")

TALLY_SELECT = ", ".join(f"{expr} AS {name}" for name, expr in TALLY_AGGREGATES.items())

# Question types whose answers are free text or personal data: counted as answered, never as values.
UNCOUNTED_TYPES = ("text", "contact")

KEY_LIMIT = 64
VALUE_LIMIT = 200

# The questions of the organisation's surveys (any published version, or the draft) whose answer values
# are not counted, by survey: question keys are stable across versions, and a response need not carry
# its version. Needs the organisation id twice.
_UNCOUNTED_CTE = """
uncounted AS (
    SELECT DISTINCT d.survey_id, q ->> 'key' AS key
    FROM (
        SELECT sv.survey_id, sv.definition FROM surveys_surveyversion sv WHERE sv.organization_id = %s
        UNION ALL
        SELECT s.id, s.draft FROM surveys_survey s WHERE s.organization_id = %s
    ) d
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(d.definition -> 'questions') = 'array'
             THEN d.definition -> 'questions' ELSE '[]'::jsonb END
    ) q
    WHERE q ->> 'type' IN ('text', 'contact')
)"""

# Non-empty answers, one row per (response, question key).
_ANSWERS_CTE = """
ans AS (
    SELECT src.r_day, src.r_stage, src.survey_id, src.touchpoint_id, src.channel, src.language,
           a.key AS a_key, a.value AS a_value
    FROM src
    CROSS JOIN LATERAL jsonb_each(
        CASE WHEN jsonb_typeof(src.answers) = 'object' THEN src.answers ELSE '{}'::jsonb END
    ) a
    WHERE a.value NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb)
)"""

# The counted values of one answer: a scalar as text (booleans "true"/"false"), a list element by
# element, an object item by item as "key=value" (a matrix row=column); "other" texts count as "other".
_VALUES_LATERAL = """
CROSS JOIN LATERAL (
    SELECT ans.a_value #>> '{}' AS v
    WHERE jsonb_typeof(ans.a_value) IN ('string', 'number', 'boolean')
    UNION ALL
    SELECT CASE WHEN jsonb_typeof(e.el) = 'object' THEN 'other' ELSE e.el #>> '{}' END
    FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(ans.a_value) = 'array' THEN ans.a_value ELSE '[]'::jsonb END
    ) e(el)
    WHERE jsonb_typeof(e.el) IN ('string', 'number', 'boolean')
       OR (jsonb_typeof(e.el) = 'object' AND e.el ? 'other')
    UNION ALL
    SELECT CASE WHEN o.key = 'other' THEN 'other' ELSE o.key || '=' || (o.value #>> '{}') END
    FROM jsonb_each(
        CASE WHEN jsonb_typeof(ans.a_value) = 'object' THEN ans.a_value ELSE '{}'::jsonb END
    ) o
    WHERE jsonb_typeof(o.value) IN ('string', 'number', 'boolean')
) vals"""


def facet_sql(*, src_sql: str, dims: list[str], kinds: tuple[str, ...]) -> str:
    """SQL selecting ``dims…, kind, key, value, count`` from ``src_sql``.

    ``dims`` are column expressions over ``r`` (the src row). Parameters: those of ``src_sql`` then,
    when "answer" is among ``kinds``, the organisation id twice (``facet_params``).
    """
    dim_select = "".join(f"{d}, " for d in dims)
    n = len(dims)
    # Group by the dims and the kind, key and value columns, by position.
    group = ", ".join(str(i) for i in range(1, n + 4))
    # Only fixed SQL text and the caller's column expressions are interpolated; values are parameters.
    parts: list[str] = []
    if "answered" in kinds:
        parts.append(
            f"SELECT {dim_select}'answered' AS kind, left(r.a_key, {KEY_LIMIT}) AS key, '' AS value, "  # noqa: S608
            f"count(*) AS count FROM ans r GROUP BY {group}"
        )
    if "answer" in kinds:
        parts.append(
            f"SELECT {dim_select}'answer' AS kind, left(r.a_key, {KEY_LIMIT}) AS key, "  # noqa: S608
            f"left(vals.v, {VALUE_LIMIT}) AS value, count(*) AS count "
            f"FROM ans r {_VALUES_LATERAL.replace('ans.', 'r.')} "
            "WHERE NOT EXISTS (SELECT 1 FROM uncounted u "
            "WHERE u.survey_id = r.survey_id AND u.key = r.a_key) "
            f"GROUP BY {group}"
        )
    if "theme" in kinds:
        parts.append(
            f"SELECT {dim_select}'theme' AS kind, t.theme_id::text AS key, r.sentiment AS value, "  # noqa: S608
            f"count(*) AS count FROM src r CROSS JOIN LATERAL unnest(r.theme_ids) t(theme_id) "
            f"GROUP BY {group}"
        )
    ctes = [f"src AS ({src_sql})"]
    if "answered" in kinds or "answer" in kinds:
        ctes.append(_ANSWERS_CTE)
    if "answer" in kinds:
        ctes.append(_UNCOUNTED_CTE)
    return "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(parts)


def facet_params(
    *, organization_id: int, src_params: tuple[Any, ...], kinds: tuple[str, ...]
) -> tuple[Any, ...]:
    return src_params + ((organization_id, organization_id) if "answer" in kinds else ())
