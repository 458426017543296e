"""``Site.surveys`` now goes through the intercepts (their rows were copied in 0003).

Django cannot add ``through=`` to an existing many-to-many, so the old field (and its link table) is
removed and the field added again on top of the intercepts table, which needs no schema change.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_versions_and_draft"),
        ("widgets", "0003_intercepts_and_button"),
    ]

    operations = [
        migrations.RemoveField(model_name="site", name="surveys"),
        migrations.AddField(
            model_name="site",
            name="surveys",
            field=models.ManyToManyField(
                blank=True, related_name="sites", through="widgets.Intercept", to="surveys.survey"
            ),
        ),
    ]
