from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView


# Redoc styles itself inline and renders in a blob: worker; loosen the policy for this page only.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}), name="dispatch")
class ApiDocsView(SpectacularRedocView):
    pass
