"""Settings, split by concern. Every value comes from the environment (see .env.example)."""

from pathlib import Path

import django_stubs_ext
from dotenv import load_dotenv

# Lets generic views and managers be subscripted at run time (ListView[Survey]), as the type stubs do.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# A local .env fills in variables that the real environment does not set; it never overrides them.
load_dotenv(BASE_DIR / ".env", override=False)

from .api import *  # noqa: E402, F403
from .auth import *  # noqa: E402, F403
from .base import *  # noqa: E402, F403
from .database import *  # noqa: E402, F403
from .email import *  # noqa: E402, F403
from .logging import *  # noqa: E402, F403
from .queue import *  # noqa: E402, F403
from .security import *  # noqa: E402, F403
from .sms import *  # noqa: E402, F403
