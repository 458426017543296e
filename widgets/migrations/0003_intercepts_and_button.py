"""Intercepts: a survey on a site with its targeting, replacing the plain site-survey link rows.

The link rows of the old many-to-many become intercepts with the default targeting (on page view, every
visitor, until answered). 0004 then moves ``Site.surveys`` onto the intercepts.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
from django.db import migrations, models

import widgets.targeting

# Frozen here: what widgets.targeting.validate_targeting({"trigger": {"type": "page_view"}}) gave when
# this migration was written.
DEFAULT_TARGETING = {
    "trigger": {"type": "page_view"},
    "delay_seconds": 0,
    "urls": [],
    "devices": [],
    "languages": [],
    "frequency": "until_answered",
    "placement": "bottom_right",
}


def links_to_intercepts(apps, schema_editor):
    Site = apps.get_model("widgets", "Site")
    Intercept = apps.get_model("widgets", "Intercept")
    Link = Site.surveys.through
    rows = Link.objects.select_related("site").order_by("pk")
    Intercept._base_manager.bulk_create(
        [
            Intercept(
                organization_id=row.site.organization_id,
                site_id=row.site_id,
                survey_id=row.survey_id,
                targeting=DEFAULT_TARGETING,
            )
            for row in rows.iterator()
        ],
        batch_size=1000,
    )


def intercepts_to_links(apps, schema_editor):
    Site = apps.get_model("widgets", "Site")
    Intercept = apps.get_model("widgets", "Intercept")
    Link = Site.surveys.through
    Link.objects.bulk_create(
        [Link(site_id=site_id, survey_id=survey_id) for site_id, survey_id in
         Intercept._base_manager.values_list("site_id", "survey_id").iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("surveys", "0002_versions_and_draft"),
        ("widgets", "0002_site_surveys"),
    ]

    operations = [
        migrations.AddField(
            model_name="site",
            name="button_label",
            field=models.CharField(blank=True, max_length=40, verbose_name="button label"),
        ),
        migrations.AddField(
            model_name="site",
            name="button_side",
            field=models.CharField(
                choices=[("right", "Right"), ("left", "Left")],
                default="right",
                max_length=5,
                verbose_name="button side",
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="button_survey",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="surveys.survey",
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="cooldown_days",
            field=models.PositiveSmallIntegerField(
                default=7,
                help_text="After a survey was shown to a visitor, no other survey appears by itself for this many days.",
                validators=[django.core.validators.MaxValueValidator(365)],
                verbose_name="cooldown (days)",
            ),
        ),
        migrations.AddConstraint(
            model_name="site",
            constraint=models.CheckConstraint(
                condition=models.Q(("cooldown_days__lte", 365)), name="site_cooldown_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="site",
            constraint=models.CheckConstraint(
                condition=models.Q(("button_side__in", ["right", "left"])), name="site_button_side_valid"
            ),
        ),
        migrations.CreateModel(
            name="Intercept",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("targeting", models.JSONField(default=widgets.targeting.default_targeting)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organization"
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="intercepts", to="widgets.site"
                    ),
                ),
                (
                    "survey",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="intercepts", to="surveys.survey"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "site", "survey"), name="intercept_site_survey_unique"
                    )
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_orgs", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(links_to_intercepts, intercepts_to_links),
    ]
