"""Which CRM backend this instance uses: SuiteCRM when it is configured, else the built-in CRM
in PostgreSQL, so a machine with no CRM still has one."""

from __future__ import annotations

from collections.abc import Callable

from functions.crm.backend import CrmBackend
from functions.crm.builtin import BuiltinCrm
from functions.crm.suitecrm import SuiteCrm, SuiteCrmSettings
from shared.db import Database


def crm_backend(
    db_factory: Callable[[], Database], settings: SuiteCrmSettings | None = None
) -> CrmBackend:
    """The configured backend. ``db_factory`` is called only for the built-in CRM, so a
    SuiteCRM deployment opens no database pool. Invalid SuiteCRM settings (in production, a
    missing or placeholder secret) raise ConfigurationError here, at start."""
    settings = settings if settings is not None else SuiteCrmSettings()
    if settings.configured:
        return SuiteCrm(settings)
    return BuiltinCrm(db_factory())
