"""Spreadsheet imports too large to check or commit within a web request."""

from __future__ import annotations

from renkou import jobs
from renkou.imports import engine, services


def run_import(town_code: str, batch_id: int, commit: bool, actor_id: int | None = None) -> dict:
    """Check or commit one batch of one town. Idempotent: a batch already past this step is left alone."""

    def work():
        from renkou.extensions import db
        from renkou.imports.models import ImportBatch

        batch = db.session.get(ImportBatch, batch_id)
        expected = "committing" if commit else "checking"
        if batch is None or batch.status != expected:
            return {"skipped": True}
        result = engine.run_batch(batch_id, commit, lambda done: services.report_progress(town_code, batch_id, done))
        return {"status": result.status, "rows": result.total_rows, "errors": result.error_rows}

    return jobs.run_for_town(town_code, work, actor_id=actor_id)
