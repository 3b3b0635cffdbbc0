"""Does this machine have an address WebRTC can use? A local room needs one, and loopback never counts.

ICE gathers host candidates from the machine's interfaces, and neither side of a local room takes loopback:
Janus (libnice) skips it, and aiortc (aioice) skips 127.0.0.1, ::1 and IPv6 link-local addresses (those with a
scope id). With no other address, Janus answers the demo speaker's offer with "490 Error setting ICE locally"
(or, with only an IPv6 link-local address, ICE never connects). So `plaza serve` / `plaza demo` look first, the
way ICE will, and say what to do instead of failing half-way with a traceback.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.local.janus_process import LocalServerError

log = logging.getLogger(__name__)

# A dummy interface gives ICE an address without any network (`ip link add … type dummy` needs the kernel's dummy
# module, which every desktop kernel ships).
DUMMY_INTERFACE_COMMAND = ("sudo ip link add plaza0 type dummy && sudo ip addr add 10.99.0.1/24 dev plaza0 && "
                           "sudo ip link set plaza0 up")
IFF_UP = 0x1
ICE_SETUP_FAILED = 490  # Janus's JANUS_ERROR_UNKNOWN, which it sends with "Error setting ICE locally"


class NoNetworkAddress(LocalServerError):
    """No interface has an address ICE would use; the message says how to get one (on one line)."""

    command = DUMMY_INTERFACE_COMMAND

    def __init__(self) -> None:
        super().__init__(
            "no network address for the room's audio: WebRTC (ICE) never uses loopback, and this machine has no "
            "other address; connect to any network (even one without internet) or add a dummy interface: "
            f"{DUMMY_INTERFACE_COMMAND}")


@dataclass(frozen=True)
class InterfaceAddress:
    interface: str
    address: str
    scope_id: int = 0  # IPv6: non-zero for link-local addresses
    up: bool = True


def _is_up(interface: str) -> bool:
    """Linux: the interface's IFF_UP flag; elsewhere (or unreadable) assume up, as ICE would try it."""
    try:
        return bool(int(Path(f"/sys/class/net/{interface}/flags").read_text(), 16) & IFF_UP)
    except (OSError, ValueError):
        return True


def interface_addresses() -> list[InterfaceAddress]:
    """Every address of every interface (ifaddr comes with aioice, which gathers candidates the same way)."""
    import ifaddr

    found = []
    for adapter in ifaddr.get_adapters():
        up = _is_up(adapter.name)
        for ip in adapter.ips:
            if isinstance(ip.ip, tuple):
                address, _flowinfo, scope_id = ip.ip
                found.append(InterfaceAddress(adapter.name, address, scope_id, up))
            else:
                found.append(InterfaceAddress(adapter.name, ip.ip, 0, up))
    return found


def _listed(entry: InterfaceAddress, patterns: list[str]) -> bool:
    # Janus matches ice_enforce_list / ice_ignore_list entries as substrings of the interface name or address.
    return any(p in entry.interface or p in entry.address for p in patterns)


def _patterns(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def ice_addresses(addresses: Iterable[InterfaceAddress], *, enforce: str = "", ignore: str = "") -> list[str]:
    """The addresses both ICE stacks of a local room would gather host candidates from, in order."""
    enforced, ignored = _patterns(enforce), _patterns(ignore)
    usable = []
    for entry in addresses:
        try:
            ip = ipaddress.ip_address(entry.address.split("%")[0])
        except ValueError:
            continue
        if not entry.up or ip.is_loopback or ip.is_unspecified:
            continue
        if ip.version == 6 and (entry.scope_id != 0 or ip.is_link_local):
            continue
        if enforced and not _listed(entry, enforced):
            continue
        if not enforced and ignored and _listed(entry, ignored):
            continue
        usable.append(str(ip))
    return usable


def is_ice_setup_error(code: int, reason: str) -> bool:
    """Janus's answer to an offer when ICE has no local address to use."""
    return code == ICE_SETUP_FAILED and "ICE" in reason


def check_ice_address(*, enforce: str = "", ignore: str = "",
                      addresses: Iterable[InterfaceAddress] | None = None) -> str:
    """The first usable address; raises NoNetworkAddress when there is none."""
    found = ice_addresses(interface_addresses() if addresses is None else addresses, enforce=enforce, ignore=ignore)
    if not found:
        raise NoNetworkAddress()
    log.debug("ICE can use %s", ", ".join(found))
    return found[0]
