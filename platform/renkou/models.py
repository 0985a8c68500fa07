"""Every model module, imported in one place for Alembic and the test schema.

Like renkou.app, this is part of the composition root: it is allowed to know every area.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from renkou.extensions import db, town_metadata


def import_all_models() -> None:
    import renkou.accounts.models  # noqa: F401
    import renkou.audit.models  # noqa: F401
    import renkou.crypto.models  # noqa: F401
    import renkou.imports.models  # noqa: F401
    import renkou.inbound.models  # noqa: F401
    import renkou.indicators.models  # noqa: F401
    import renkou.reporting.models  # noqa: F401
    import renkou.scheduling.models  # noqa: F401
    import renkou.submissions.models  # noqa: F401
    import renkou.targets.models  # noqa: F401
    import renkou.tenancy.models  # noqa: F401
    import tenants.association.models  # noqa: F401
    import tenants.births.models  # noqa: F401
    import tenants.clinics.models  # noqa: F401
    import tenants.contraception.models  # noqa: F401
    import tenants.funding.models  # noqa: F401
    import tenants.governance.models  # noqa: F401
    import tenants.movements.models  # noqa: F401
    import tenants.network.models  # noqa: F401
    import tenants.outreach.models  # noqa: F401
    import tenants.registry.models  # noqa: F401


def shared_metadata() -> MetaData:
    import_all_models()
    return db.metadata


import_all_models()

__all__ = ["shared_metadata", "town_metadata", "import_all_models"]
