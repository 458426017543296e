"""Outgoing HTTP to addresses our users type (webhooks, alert actions) never reaches our own networks.

A tenant who could point a webhook at ``http://169.254.169.254/`` (the cloud metadata service),
``http://10.0.0.5:9200/`` or ``http://127.0.0.1:6379/`` would make our workers send requests inside the
data centre for them (server-side request forgery). Unless ``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` is on
(development machines and the tests, whose receivers listen on loopback), a URL is refused:

- when it is saved, if its host is a non-public IP address or a ``localhost`` name;
- when it is called, if any address its name resolves to is not public, so a name that points (or is
  re-pointed) into a private network is caught too. The remaining window, a DNS answer that changes
  between this check and the connection, needs an egress proxy to close (docs/deployment.md).
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def private_networks_allowed() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS)


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address (IPv4-mapped IPv6 judged as its IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _refusal() -> str:
    return _("This address is in a private network; webhooks can only reach public addresses.")


def host_refusal(host: str) -> str | None:
    """Why ``host`` (as typed in a URL) may not be called, without resolving it; None if it may."""
    if private_networks_allowed():
        return None
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return _refusal()
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return None  # a name: checked again, resolved, when it is called
    return None if is_public_address(name) else _refusal()


def resolved_refusal(host: str, port: int) -> str | None:
    """Why the addresses ``host`` resolves to may not be called right now; None if they may."""
    if private_networks_allowed():
        return None
    refusal = host_refusal(host)
    if refusal is not None:
        return refusal
    try:
        answers = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return _("The host name could not be resolved.")
    if not answers or not all(is_public_address(str(answer[4][0])) for answer in answers):
        return _refusal()
    return None
