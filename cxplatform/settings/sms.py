"""Text messages. SMS_URL picks the provider (parsed by ``sms.config``):

- ``console://`` logs each message and records it as delivered (development default)
- ``twilio://<AccountSid>:<AuthToken>@api.twilio.com?from=%2B15005550006`` Twilio's REST API
  (``messaging_service=MG…`` instead of ``from``); ``twilio+http://…@127.0.0.1:<port>`` for a local server
"""

from core.env import env_str

SMS_URL = env_str("SMS_URL", "console://")
